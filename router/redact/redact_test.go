package redact_test

import (
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router/redact"
)

func TestStringRedactsEveryCredential(t *testing.T) {
	for _, in := range []string{
		`PUT https://acct.queue.core.windows.net/q/messages?se=2030-01-01&sp=raup&sv=2022-11-02&sig=abc%2Fdef%3D`,
		`BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022&sig=abcdef`,
		`DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abcdef==;EndpointSuffix=core.windows.net`,
		`"url":"https://a/b?SIG=abcdef"`,
	} {
		out := redact.String(in)
		if strings.Contains(out, "abc") {
			t.Errorf("%s\n  -> %s: a credential is left", in, out)
		}
	}
	if s := "https://a/b?se=2030&sp=r"; redact.String(s) != s {
		t.Errorf("text without a credential was changed: %s", redact.String(s))
	}
}
