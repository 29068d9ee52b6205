package config

import (
	"strings"
	"testing"
)

// globalRaw is a valid global stack's configuration.
func globalRaw() map[string]string {
	return map[string]string{"stackKind": "global", "alertEmails": `["ops@example.com"]`,
		"regionStacks": `["prod", "acme/gpu-orchestration/prod-westus3"]`}
}

// A stack without the multi-region keys is a region on its own, as every
// stack was before them: LRS storage, no spill-over, no global stack.
func TestWithoutMultiRegionKeysAStackIsARegionAlone(t *testing.T) {
	c, err := Parse("dev", validRaw())
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Deployment; d.Global() || d.Joined() || d.Spillover != "off" || c.StorageRedundancy != "LRS" {
		t.Fatalf("defaults %+v, storage %s", d, c.StorageRedundancy)
	}
}

// The global stack reads only where its resource group goes, who hears of
// it, its tags and its own keys; a region alone needs no GPU check in its
// location, since it runs none.
func TestGlobalStackParses(t *testing.T) {
	raw := globalRaw()
	raw["location"], raw["drainedRegions"], raw["frontDoorRateLimit"] = "northeurope", `["westus3"]`, "600"
	c, err := Parse("global", raw)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Deployment; !d.Global() || len(d.RegionStacks) != 2 || d.DrainedRegions[0] != "westus3" || d.RateLimitPerMinute != 600 {
		t.Fatalf("deployment %+v", d)
	}
	if got := StackName("acme/gpu-orchestration/prod-westus3"); got != "prod-westus3" {
		t.Errorf("StackName = %q", got)
	}
}

func TestMultiRegionMistakesNameTheKey(t *testing.T) {
	cases := []struct {
		name    string
		stack   string
		raw     map[string]string
		key     string
		mention string
	}{
		{"unknown stack kind", "dev", map[string]string{"stackKind": "edge"}, "stackKind", "allowed: regional"},
		{"spill-over without a global stack", "dev", map[string]string{"spillover": "realtime"}, "spillover", "no peer to spill over to"},
		{"unknown spill-over", "dev", map[string]string{"globalStack": "global", "spillover": "batch"}, "spillover", "off (requests stay in their region)"},
		{"global stack names itself", "global", map[string]string{"globalStack": "global"}, "globalStack", "another stack's name"},
		{"global stack name with a space", "dev", map[string]string{"globalStack": "my global"}, "globalStack", "org/project/stack"},
		{"a region's front door keys", "dev", map[string]string{"regionStacks": `["prod"]`}, "regionStacks", "only on the global stack"},
		{"unknown redundancy", "dev", map[string]string{"storageRedundancy": "RA-GRS"}, "storageRedundancy", "LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS"},
		{"geo-redundancy without a paired region", "dev", map[string]string{"storageRedundancy": "GRS", "location": "italynorth", "gpuRegionCheck": "off"}, "storageRedundancy", "italynorth, a region without a paired region"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := validRaw()
			for k, v := range tc.raw {
				raw[k] = v
			}
			expectKeyError(t, tc.stack, raw, tc.key, tc.mention)
		})
	}

	global := []struct {
		name    string
		raw     map[string]string
		key     string
		mention string
	}{
		{"no region", map[string]string{"regionStacks": `[]`}, "regionStacks", "at least one regional stack"},
		{"a region twice", map[string]string{"regionStacks": `["prod", "other/gpu-orchestration/prod"]`}, "regionStacks", "each stack name once"},
		{"itself as a region", map[string]string{"regionStacks": `["global"]`}, "regionStacks", "not the global stack itself"},
		{"every region drained", map[string]string{"drainedRegions": `["swedencentral", "westus3"]`}, "drainedRegions", "at least one region must take the traffic"},
		{"a drained region spelled as displayed", map[string]string{"drainedRegions": `["Sweden Central"]`}, "drainedRegions", "e.g. swedencentral"},
		{"no rate limit", map[string]string{"frontDoorRateLimit": "0"}, "frontDoorRateLimit", "above 0"},
		{"a platform key", map[string]string{"models": `[{"name": "chat-1", "gpuType": "A100"}]`}, "models", "not on the global stack"},
		{"a region's redundancy", map[string]string{"storageRedundancy": "GRS"}, "storageRedundancy", "set it on the regional stacks"},
	}
	for _, tc := range global {
		t.Run("global: "+tc.name, func(t *testing.T) {
			raw := globalRaw()
			for k, v := range tc.raw {
				raw[k] = v
			}
			expectKeyError(t, "global", raw, tc.key, tc.mention)
		})
	}
}

// A key the stack gives its default value is not set by the stack: Pulumi
// passes every default of Pulumi.yaml to the program as well.
func TestGlobalStackAcceptsDefaultsOfRegionalKeys(t *testing.T) {
	raw := globalRaw()
	raw["models"], raw["storageRedundancy"], raw["batchSpot"], raw["gpuQuota"] = "[]", "LRS", "true", "{}"
	if _, err := Parse("global", raw); err != nil {
		t.Fatal(err)
	}
}

func expectKeyError(t *testing.T, stack string, raw map[string]string, key, mention string) {
	t.Helper()
	_, err := Parse(stack, raw)
	if err == nil {
		t.Fatalf("Parse accepted %v", raw)
	}
	if !strings.Contains(err.Error(), Namespace+":"+key+":") || !strings.Contains(err.Error(), mention) {
		t.Fatalf("error does not name %s and say %q:\n%v", key, mention, err)
	}
}
