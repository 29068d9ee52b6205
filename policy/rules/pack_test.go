package rules_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	"github.com/gpu-orchestration/gpu-orchestration/policy/rules"
)

func TestPackDescribesEveryRule(t *testing.T) {
	pack, err := rules.Pack(rules.Settings{BatchSpot: true})
	if err != nil {
		t.Fatal(err)
	}
	if pack.Name() != "gpu-orchestration" {
		t.Errorf("pack name %q", pack.Name())
	}
	policies := pack.Policies()
	if len(policies) < 15 {
		t.Errorf("pack has %d rules, want at least 15", len(policies))
	}
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, p := range policies {
		if seen[p.Name()] {
			t.Errorf("duplicate rule name %s", p.Name())
		}
		seen[p.Name()] = true
		if !kebab.MatchString(p.Name()) {
			t.Errorf("rule name %q is not kebab-case", p.Name())
		}
		if !strings.HasSuffix(p.Description(), ".") || len(p.Description()) < 20 {
			t.Errorf("%s: description %q is not a sentence", p.Name(), p.Description())
		}
		if l := p.EnforcementLevel(); l != policyx.EnforcementLevelMandatory && l != policyx.EnforcementLevelAdvisory {
			t.Errorf("%s: enforcement level %d is neither mandatory nor advisory", p.Name(), l)
		}
	}
}

func TestSettingsFromConfig(t *testing.T) {
	lookup := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	s, err := rules.SettingsFromConfig(lookup(nil))
	if err != nil || !s.BatchSpot {
		t.Errorf("no config: %+v, %v; want Spot (Pulumi.yaml's default)", s, err)
	}
	s, err = rules.SettingsFromConfig(lookup(map[string]string{"gpu-orchestration:batchSpot": "false"}))
	if err != nil || s.BatchSpot {
		t.Errorf("batchSpot false: %+v, %v", s, err)
	}
	_, err = rules.SettingsFromConfig(lookup(map[string]string{"gpu-orchestration:batchSpot": "sometimes"}))
	if err == nil || !strings.Contains(err.Error(), "gpu-orchestration:batchSpot") {
		t.Errorf("bad value accepted or error does not name the key: %v", err)
	}
}

// A stack that asks for dedicated nodes may scale them.
func TestDedicatedNodesAllowedWhenSpotIsOff(t *testing.T) {
	fs := baseline()
	fs["pool"].set("scaleSettings.autoScale.formula", "$TargetDedicatedNodes = min($PendingTasks.GetSample(1), 4);")
	if vs := evaluateWith(t, fs, rules.Settings{BatchSpot: false}, check.Options{}); len(vs) > 0 {
		t.Errorf("batchSpot false still reports: %v", vs)
	}
	if vs := evaluateWith(t, fs, rules.Settings{BatchSpot: true}, check.Options{}); len(vs) == 0 {
		t.Errorf("batchSpot true accepts a dedicated-only formula")
	}
}
