package config

import (
	"fmt"
	"net/url"
	"strings"
)

// ParseOrigins reads the browser origins CORS admits: a comma-separated
// list of origins as browsers send them in Origin (scheme://host[:port],
// http or https, nothing after the host), or "*" for any. The stack's
// corsAllowedOrigins is checked with CheckOrigin too.
func ParseOrigins(v string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if err := CheckOrigin(o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// CheckOrigin refuses what cannot be an Origin header's value.
func CheckOrigin(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" ||
		u.Fragment != "" || u.User != nil || o != u.Scheme+"://"+u.Host || strings.ToLower(o) != o {
		return fmt.Errorf("%q is not an origin: want scheme://host[:port] in lowercase, http or https, with no path or trailing slash (e.g. https://app.example.com), or * for any", o)
	}
	return nil
}
