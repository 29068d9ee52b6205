// Package rules is the gpu-orchestration policy pack: one file per concern
// (storage, Key Vault, Container Apps, Batch, registry, network, access,
// monitoring, tags), each rule with a name, a description, an enforcement level and a
// violation message that says what to change. Pack builds the policyx pack
// that both the Pulumi CLI (policy/main.go) and the tests (policy/check) run.
package rules

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// PackName is the name the CLI shows next to every violation.
const PackName = "gpu-orchestration"

// Version of the pack; keep in step with PulumiPolicy.yaml.
var Version = semver.MustParse("0.1.0")

// Settings are the facts about the checked stack that a resource alone does
// not tell: they come from the stack's configuration.
type Settings struct {
	// BatchSpot is the stack's gpu-orchestration:batchSpot (default true):
	// the Batch pool must then scale Spot (low-priority) nodes only.
	BatchSpot bool
	// NetworkIsolation is the stack's gpu-orchestration:networkIsolation
	// (default false): the network rules are then mandatory, not advisory.
	NetworkIsolation bool
	// GPURegionCheckOff is the stack's gpu-orchestration:gpuRegionCheck
	// set to off: a region newer than the GPU table is accepted.
	GPURegionCheckOff bool
	// GPUQuota is the stack's gpu-orchestration:gpuQuota: the serverless
	// GPUs of each type (T4, A100) the subscription may run in the region.
	GPUQuota map[string]int
}

// Stack configuration keys behind Settings.
const (
	configBatchSpot        = "gpu-orchestration:batchSpot"
	configNetworkIsolation = "gpu-orchestration:networkIsolation"
	configGPURegionCheck   = "gpu-orchestration:gpuRegionCheck"
	configGPUQuota         = "gpu-orchestration:gpuQuota"
)

// SettingsFromConfig reads Settings through a config lookup such as
// (*pulumi.Context).GetConfig; absent keys take Pulumi.yaml's defaults.
func SettingsFromConfig(get func(key string) (string, bool)) (Settings, error) {
	s := Settings{BatchSpot: true}
	for key, into := range map[string]*bool{configBatchSpot: &s.BatchSpot, configNetworkIsolation: &s.NetworkIsolation} {
		if v, ok := get(key); ok && v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Settings{}, fmt.Errorf("config %s: %q is not true or false: %w", key, v, err)
			}
			*into = b
		}
	}
	if v, ok := get(configGPURegionCheck); ok {
		s.GPURegionCheckOff = v == "off"
	}
	if v, ok := get(configGPUQuota); ok && v != "" {
		if err := json.Unmarshal([]byte(v), &s.GPUQuota); err != nil {
			return Settings{}, fmt.Errorf("config %s: %q is not a map of GPU type to a whole number: %w", configGPUQuota, v, err)
		}
	}
	return s, nil
}

// Policies returns every rule of the pack, in the order the README lists them.
func Policies(s Settings) []policyx.Policy {
	var all []policyx.Policy
	for _, group := range [][]policyx.Policy{
		storagePolicies(),
		keyVaultPolicies(),
		containerAppPolicies(),
		modelPolicies(s),
		rolloutPolicies(),
		batchPolicies(s),
		registryPolicies(),
		networkPolicies(s),
		frontDoorPolicies(),
		accessPolicies(),
		grantsPolicies(),
		monitoringPolicies(),
		metricPolicies(),
		tagPolicies(),
	} {
		all = append(all, group...)
	}
	return all
}

// Pack is the policy pack for a stack with the given settings. Enforcement is
// set per policy: policyx ignores the pack-level level.
func Pack(s Settings) (policyx.PolicyPack, error) {
	return policyx.NewPolicyPack(PackName, Version, policyx.EnforcementLevelAdvisory, Policies(s))
}
