package rules_test

import (
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	"github.com/gpu-orchestration/gpu-orchestration/policy/rules"
)

// The stack's own settings steer the model rules: gpuRegionCheck off accepts
// a region newer than the GPU table, and a GPU type without a quota is not
// judged.
func TestModelRulesFollowTheStacksSettings(t *testing.T) {
	fs := baseline()
	fs["env"].set("location", "eastus")
	fs["inference"].set("template.scale.maxReplicas", 25)
	for _, v := range evaluateWith(t, fs, rules.Settings{BatchSpot: true, GPURegionCheckOff: true}, check.Options{}) {
		t.Errorf("with gpuRegionCheck off and no quota: %s", v)
	}
	got := map[string]bool{}
	for _, v := range evaluateWith(t, fs, rules.Settings{BatchSpot: true, GPUQuota: map[string]int{"T4": 1, "A100": 24}}, check.Options{}) {
		got[v.Policy] = true
	}
	if !got["gpu-profile-in-region"] || !got["gpu-replicas-within-quota"] || len(got) != 2 {
		t.Errorf("strict region check and an A100 quota of 24: fired %v, want the region and quota rules", got)
	}
}

func TestSettingsReadTheRegionCheckAndTheQuota(t *testing.T) {
	cfg := map[string]string{
		"gpu-orchestration:gpuRegionCheck": "off",
		"gpu-orchestration:gpuQuota":       `{"A100":4,"T4":2}`,
	}
	s, err := rules.SettingsFromConfig(func(k string) (string, bool) { v, ok := cfg[k]; return v, ok })
	if err != nil || !s.GPURegionCheckOff || s.GPUQuota["A100"] != 4 || s.GPUQuota["T4"] != 2 {
		t.Errorf("settings %+v, %v", s, err)
	}
	cfg["gpu-orchestration:gpuQuota"] = "lots"
	if _, err := rules.SettingsFromConfig(func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }); err == nil {
		t.Error("a quota that is no map accepted")
	}
}
