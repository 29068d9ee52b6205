package config

import (
	"regexp"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/gpus"
)

// GPUType is the serverless GPU a model's replicas get (gpuType).
type GPUType string

const (
	GPUT4   GPUType = GPUType(gpus.T4)
	GPUA100 GPUType = GPUType(gpus.A100)
)

// profile is the GPU's row of internal/azure/gpus (zero for an unknown type).
func (g GPUType) profile() gpus.Profile {
	p, _ := gpus.Lookup(gpus.Type(g))
	return p
}

// Known reports whether the GPU is one Container Apps offers serverless.
func (g GPUType) Known() bool {
	_, ok := gpus.Lookup(gpus.Type(g))
	return ok
}

// WorkloadProfileType is the Container Apps workload profile type of the GPU.
func (g GPUType) WorkloadProfileType() string { return g.profile().WorkloadProfileType }

// MemoryGiB is the GPU's own memory.
func (g GPUType) MemoryGiB() int { return g.profile().MemoryGiB }

// ReplicaCPU and ReplicaMemoryGiB are what one replica of the GPU's
// profile gets.
func (g GPUType) ReplicaCPU() float64       { return g.profile().ReplicaCPU }
func (g GPUType) ReplicaMemoryGiB() float64 { return g.profile().ReplicaMemoryGiB }

// Regions lists the regions that offer the GPU as a serverless profile.
func (g GPUType) Regions() []string { return g.profile().Regions }

// ProfileName is the name the environment gives the GPU's workload profile
// and its apps pin: gpu-t4, gpu-a100.
func (g GPUType) ProfileName() string { return "gpu-" + strings.ToLower(string(g)) }

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

// retiredVMFamily reports the retired family and date of a VM size, if any.
func retiredVMFamily(size string) (family, date string, retired bool) {
	for _, f := range retiredVMFamilies {
		if f.pattern.MatchString(size) {
			return f.family, f.retired, true
		}
	}
	return "", "", false
}

// normalizeRegion turns "West US 3" into "westus3", the form ARM uses.
func normalizeRegion(r string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(r), " ", ""))
}
