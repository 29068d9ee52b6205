package pricing

import "strings"

// ReplicaPerSecond is the USD price of one running serverless GPU replica of
// the given profile with cpu vCPUs and memGiB of memory: the GPU meter plus
// the Consumption vCPU and memory meters. ok is false for an unknown profile.
func (t Table) ReplicaPerSecond(profileType string, cpu, memGiB float64) (usd float64, ok bool) {
	p, ok := t.GPUProfiles[profileType]
	if !ok {
		return 0, false
	}
	return p.GPU.USD + cpu*t.ACAvCPUSecond.USD + memGiB*t.ACAGiBSecond.USD, true
}

// NodePerSecond is the USD price of one Batch node-second of vmSize, Spot or
// pay-as-you-go. ok is false for a size the table does not price.
func (t Table) NodePerSecond(vmSize string, spot bool) (usd float64, ok bool) {
	vm, ok := t.VMs[strings.ToLower(vmSize)]
	if !ok {
		return 0, false
	}
	if spot {
		return vm.Spot.USD / 3600, true
	}
	return vm.Dedicated.USD / 3600, true
}
