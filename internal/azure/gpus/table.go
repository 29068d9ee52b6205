// Package gpus is the table of GPUs a model can run on: the Container Apps
// serverless GPU workload profile of each, with what one replica gets and
// the regions that offer it, and the Batch VM sizes that carry the same GPU
// for the model's spot pool. The stack's configuration (components/config)
// validates models against it and the policy pack (gpu-profile-in-region)
// judges environments by it, so a region added here is added to both.
package gpus

import (
	"regexp"
	"slices"
	"strings"
)

// Type is a GPU as the stack configuration names it (gpuType).
type Type string

// The serverless GPUs of Container Apps.
const (
	T4   Type = "T4"
	A100 Type = "A100"
)

// Profile is one serverless GPU workload profile.
type Profile struct {
	GPU Type
	// WorkloadProfileType is what an environment declares the profile as.
	WorkloadProfileType string
	// MemoryGiB is the GPU's own memory.
	MemoryGiB int
	// ReplicaCPU and ReplicaMemoryGiB are what one replica gets: the whole
	// profile, since a replica has exactly one GPU.
	ReplicaCPU       float64
	ReplicaMemoryGiB float64
	// Regions offer the profile (ARM names).
	Regions []string
	// PoolVMSize is the Batch VM size a model's pool takes unless the stack
	// says otherwise: the smallest current size with one such GPU.
	PoolVMSize string
	// poolSizes matches the current Batch VM sizes that carry this GPU.
	poolSizes *regexp.Regexp
}

// Sources of the table.
const (
	// SourceProfiles: profile types, per-replica vCPU and memory, and the
	// quota name of each (azure-docs container-apps/workload-profiles-overview.md,
	// "Profile types", ms.date 2024-11-05).
	SourceProfiles = "azure-docs container-apps/workload-profiles-overview.md (Profile types)"
	// SourceRegions: the "Supported regions" table of
	// azure-docs container-apps/gpu-serverless-overview.md. Regions added
	// after it are accepted with gpuRegionCheck=off.
	SourceRegions = "azure-docs container-apps/gpu-serverless-overview.md (Supported regions)"
	// SourceVMSizes: azure-docs virtual-machines/sizes/gpu-accelerated
	// (NCasT4_v3: NVIDIA T4; NC A100 v4 and ND A100 v4: NVIDIA A100).
	SourceVMSizes = "azure-docs virtual-machines/sizes/gpu-accelerated (NCasT4_v3, NC_A100_v4, ND_A100_v4)"
)

// Profiles lists every serverless GPU, in the order the docs name them.
var Profiles = []Profile{
	{
		GPU: T4, WorkloadProfileType: "Consumption-GPU-NC8as-T4", MemoryGiB: 16,
		ReplicaCPU: 8, ReplicaMemoryGiB: 56,
		Regions:    []string{"westus3", "australiaeast", "swedencentral", "westeurope"},
		PoolVMSize: "Standard_NC4as_T4_v3",
		poolSizes:  regexp.MustCompile(`(?i)^standard_nc(4|8|16|64)as_t4_v3$`),
	},
	{
		GPU: A100, WorkloadProfileType: "Consumption-GPU-NC24-A100", MemoryGiB: 80,
		ReplicaCPU: 24, ReplicaMemoryGiB: 220,
		Regions:    []string{"westus3", "westus", "australiaeast", "swedencentral"},
		PoolVMSize: "Standard_NC24ads_A100_v4",
		poolSizes:  regexp.MustCompile(`(?i)^standard_(nc(24|48|96)ads_a100_v4|nd96am?sr_a100_v4)$`),
	},
}

// Lookup returns the profile of a GPU type.
func Lookup(t Type) (Profile, bool) {
	for _, p := range Profiles {
		if p.GPU == t {
			return p, true
		}
	}
	return Profile{}, false
}

// ByWorkloadProfileType returns the profile an environment declares as typ
// (Consumption-GPU-NC8as-T4, …), case-insensitively.
func ByWorkloadProfileType(typ string) (Profile, bool) {
	for _, p := range Profiles {
		if strings.EqualFold(p.WorkloadProfileType, typ) {
			return p, true
		}
	}
	return Profile{}, false
}

// OfVMSize names the GPU a Batch VM size carries, among the serverless ones.
func OfVMSize(size string) (Type, bool) {
	for _, p := range Profiles {
		if p.poolSizes.MatchString(size) {
			return p.GPU, true
		}
	}
	return "", false
}

// OfferedIn reports whether the profile is documented in region (an ARM
// name such as westus3).
func (p Profile) OfferedIn(region string) bool { return slices.Contains(p.Regions, region) }

// Names lists the GPU types, for messages ("T4, A100").
func Names() []string {
	out := make([]string, len(Profiles))
	for i, p := range Profiles {
		out[i] = string(p.GPU)
	}
	return out
}
