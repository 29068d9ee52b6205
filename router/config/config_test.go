package config

import (
	"strings"
	"testing"
)

// /metrics needs the API key unless the operator opts out, and a value the
// router cannot read is an error naming the variable, not a silent default.
func TestMetricsPublicIsOptIn(t *testing.T) {
	base := map[string]string{"ROUTER_API_KEY": "k", "EXECUTOR": "none"}
	load := func(v string) (Config, error) {
		env := map[string]string{"METRICS_PUBLIC": v}
		for k, x := range base {
			env[k] = x
		}
		return Load(func(k string) string { return env[k] })
	}
	if c, err := load(""); err != nil || c.MetricsPublic {
		t.Fatalf("default: public %v, err %v; want protected", c.MetricsPublic, err)
	}
	if c, err := load("true"); err != nil || !c.MetricsPublic {
		t.Fatalf("METRICS_PUBLIC=true: public %v, err %v", c.MetricsPublic, err)
	}
	if _, err := load("sometimes"); err == nil || !strings.Contains(err.Error(), "METRICS_PUBLIC") {
		t.Fatalf("METRICS_PUBLIC=sometimes: err %v, want one naming the variable", err)
	}
}
