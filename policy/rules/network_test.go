package rules_test

import (
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	"github.com/gpu-orchestration/gpu-orchestration/policy/rules"
)

// The network rules' level follows the stack's networkIsolation: the same
// public storage account stops a stack with isolation on and is only listed
// in one without.
func TestNetworkRulesAreMandatoryOnlyWithIsolation(t *testing.T) {
	network := map[string]bool{
		"network-public-access-off": true, "network-private-endpoints": true,
		"network-private-dns": true, "batch-pool-no-public-ip": true,
	}
	for _, tc := range []struct {
		isolation bool
		want      string
	}{{true, check.Mandatory}, {false, check.Advisory}} {
		fs := baseline()
		fs["st"].set("publicNetworkAccess", "Enabled")
		delete(fs, "dns vault")
		fs["pool"].del("networkConfiguration")
		delete(fs, "pe registry")
		fired := map[string]bool{}
		for _, v := range evaluateWith(t, fs, rules.Settings{BatchSpot: true, NetworkIsolation: tc.isolation}, check.Options{}) {
			if !network[v.Policy] {
				t.Errorf("isolation %v: unrelated policy fired: %s", tc.isolation, v)
				continue
			}
			fired[v.Policy] = true
			if v.Level != tc.want {
				t.Errorf("isolation %v: %s is %s, want %s", tc.isolation, v.Policy, v.Level, tc.want)
			}
		}
		for p := range network {
			if !fired[p] {
				t.Errorf("isolation %v: %s did not fire", tc.isolation, p)
			}
		}
	}
}

func TestSettingsReadNetworkIsolation(t *testing.T) {
	get := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	s, err := rules.SettingsFromConfig(get(nil))
	if err != nil || s.NetworkIsolation {
		t.Errorf("no config: %+v, %v; want isolation off (Pulumi.yaml's default)", s, err)
	}
	s, err = rules.SettingsFromConfig(get(map[string]string{"gpu-orchestration:networkIsolation": "true"}))
	if err != nil || !s.NetworkIsolation {
		t.Errorf("networkIsolation true: %+v, %v", s, err)
	}
	if _, err := rules.SettingsFromConfig(get(map[string]string{"gpu-orchestration:networkIsolation": "on"})); err == nil {
		t.Error("networkIsolation \"on\" accepted")
	}
}
