// Package redact removes credentials from text bound for logs: the
// signature of a SAS token in a URL, and the secrets of a connection string.
// The Azure SDK's errors carry the full request URL, so with a SAS
// connection string every failed storage call would log a usable token.
package redact

import (
	"fmt"
	"log/slog"
	"regexp"
)

// secret matches a credential's name and its value: SAS query parameters
// that are or carry the signature (sig; a SharedAccessSignature in a
// connection string holds the whole token), and connection-string keys.
// Names are matched without regard to case, values end at the next
// separator of a URL query, a connection string or a quoted string.
var secret = regexp.MustCompile(`(?i)\b(sig|AccountKey|SharedAccessSignature|SharedAccessKey)=[^&;"'\s]*`)

// String returns s with every credential's value replaced by REDACTED.
func String(s string) string {
	return secret.ReplaceAllString(s, "${1}=REDACTED")
}

// ReplaceAttr is a slog.HandlerOptions.ReplaceAttr that redacts every
// string, error and Stringer value, so that no log line, whoever writes it,
// carries a credential.
func ReplaceAttr(_ []string, a slog.Attr) slog.Attr {
	switch v := a.Value; v.Kind() {
	case slog.KindString:
		if s := v.String(); secret.MatchString(s) {
			a.Value = slog.StringValue(String(s))
		}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			a.Value = slog.StringValue(String(x.Error()))
		case fmt.Stringer:
			a.Value = slog.StringValue(String(x.String()))
		}
	}
	return a
}
