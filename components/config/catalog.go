package config

import (
	"regexp"
	"strings"
)

// GPUType is the serverless GPU a Container Apps replica gets.
type GPUType string

const (
	GPUT4   GPUType = "T4"
	GPUA100 GPUType = "A100"
)

// gpuCatalog holds what the stack needs to know per serverless GPU type: the
// workload profile type it is declared as, the regions that offer it and the
// GPU's memory, and the CPU and memory one replica of the profile gets (the
// whole profile, since a replica has exactly one GPU: azure-docs
// container-apps/workload-profiles-overview.md, "Consumption profile details",
// 8–24 vCPU and 56–220 GiB per replica). Profiles: azure-docs container-apps/workload-profiles-overview.md;
// regions: azure-docs container-apps/gpu-serverless-overview.md "Supported
// regions" table (West US 3, West US, Australia East, Sweden Central, West
// Europe). Regions added after that table are allowed with
// gpuRegionCheck=off.
var gpuCatalog = map[GPUType]gpuFacts{
	GPUT4: {
		profileType:     "Consumption-GPU-NC8as-T4",
		memoryGiB:       16,
		replicaCPU:      8,
		replicaMemoryGB: 56,
		regions:         []string{"westus3", "australiaeast", "swedencentral", "westeurope"},
	},
	GPUA100: {
		profileType:     "Consumption-GPU-NC24-A100",
		memoryGiB:       80,
		replicaCPU:      24,
		replicaMemoryGB: 220,
		regions:         []string{"westus3", "westus", "australiaeast", "swedencentral"},
	},
}

type gpuFacts struct {
	profileType     string
	memoryGiB       int
	replicaCPU      float64
	replicaMemoryGB float64 // GiB
	regions         []string
}

// WorkloadProfileType is the Container Apps workload profile type of the GPU.
func (g GPUType) WorkloadProfileType() string { return gpuCatalog[g].profileType }

// MemoryGiB is the GPU's own memory.
func (g GPUType) MemoryGiB() int { return gpuCatalog[g].memoryGiB }

// ReplicaCPU and ReplicaMemoryGiB are what one replica of the GPU's
// profile gets.
func (g GPUType) ReplicaCPU() float64       { return gpuCatalog[g].replicaCPU }
func (g GPUType) ReplicaMemoryGiB() float64 { return gpuCatalog[g].replicaMemoryGB }

// Regions lists the regions that offer the GPU as a serverless profile.
func (g GPUType) Regions() []string { return gpuCatalog[g].regions }

func gpuTypes() []string { return []string{string(GPUT4), string(GPUA100)} }

// retiredVMFamilies are Batch VM size families Azure no longer allocates.
// NCv3 (Standard_NC6s_v3, NC12s_v3, NC24s_v3, NC24rs_v3): retired 30 Sept 2025
// (azure-docs virtual-machines/sizes/retirement/ncv3-series-retirement.md).
// NCv1 and NCv2 retired earlier (31 Aug 2023 and 6 Sept 2023).
var retiredVMFamilies = []struct {
	pattern *regexp.Regexp
	family  string
	retired string
}{
	{regexp.MustCompile(`(?i)^standard_nc\d+r?s_v3$`), "NCv3", "30 September 2025"},
	{regexp.MustCompile(`(?i)^standard_nc\d+r?s_v2$`), "NCv2", "6 September 2023"},
	{regexp.MustCompile(`(?i)^standard_nc\d+r?$`), "NCv1", "31 August 2023"},
}

// gpuVMSizes are current Batch VM sizes with NVIDIA GPUs that Batch
// container pools can use (azure-docs virtual-machines/sizes/gpu-accelerated):
// NCasT4_v3 (T4), NC_A100_v4, NCads_H100_v5, ND A100 v4 / H100 v5.
var gpuVMSizePattern = regexp.MustCompile(`(?i)^standard_(nc(4|8|16|64)as_t4_v3|nc(24|48|96)ads_a100_v4|nc(40|80)ads_h100_v5|nd96am?sr_a100_v4|nd96isr_h100_v5)$`)

// retiredVMFamily reports the retired family and date of a VM size, if any.
func retiredVMFamily(size string) (family, date string, retired bool) {
	for _, f := range retiredVMFamilies {
		if f.pattern.MatchString(size) {
			return f.family, f.retired, true
		}
	}
	return "", "", false
}

func isGPUVMSize(size string) bool { return gpuVMSizePattern.MatchString(size) }

// normalizeRegion turns "West US 3" into "westus3", the form ARM uses.
func normalizeRegion(r string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(r), " ", ""))
}
