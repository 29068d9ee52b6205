package rules_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	"github.com/gpu-orchestration/gpu-orchestration/policy/rules"
)

// A targeted update (the README's bootstrap of an isolated stack) hands the
// pack every declared resource; those it does not create arrive without a
// property. The pack judges what the run creates: the left-out storage
// account, vault, budget and action group raise nothing (not even "the
// stack declares no budget"), while a registry the run does create without
// its private endpoint is still stopped.
func TestTargetedUpdateIsJudgedOnWhatItCreates(t *testing.T) {
	pack, err := rules.Pack(rules.Settings{BatchSpot: true, NetworkIsolation: true})
	if err != nil {
		t.Fatal(err)
	}
	evaluate := func(fs fixtures, skipped ...string) []check.Violation {
		t.Helper()
		skip := map[string]bool{}
		for _, k := range skipped {
			skip[fs[k].name] = true
		}
		var resources []policyx.AnalyzerResource
		for _, r := range fs.resources() {
			if r.Parent == "" || !strings.Contains(r.Type, "gpu-orchestration:") {
				// Custom resources come with their provider.
				r.Provider = policyx.AnalyzerProviderResource{URN: "urn:pulumi:prod::gpu-orchestration::pulumi:providers:azure-native::default"}
			}
			if skip[r.Name] {
				r.Properties = property.Map{}
			}
			resources = append(resources, r)
		}
		vs, err := check.Evaluate(context.Background(), pack, resources, check.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}

	fs := baseline()
	left := []string{"st", "kv", "budget", "ag"}
	if vs := evaluate(fs, left...); len(vs) != 0 {
		t.Errorf("a bootstrap that leaves %v out is refused: %v", left, vs)
	}
	// The same resources, present but misconfigured, are judged.
	fs = baseline()
	fs["budget"].del("notifications")
	if vs := evaluate(fs); len(vs) == 0 {
		t.Error("a created budget without notifications passes")
	}
	// A targeted registry without its private endpoint is still stopped.
	fs = baseline()
	delete(fs, "pe registry")
	delete(fs, "dns registry")
	found := false
	for _, v := range evaluate(fs, left...) {
		if v.Policy == "network-private-endpoints" && v.Level == check.Mandatory && strings.Contains(v.Message, "registry") {
			found = true
		}
	}
	if !found {
		t.Error("a registry created without its private endpoint passes a targeted update")
	}
}
