package config

import (
	"fmt"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/gpus"
)

// Pool is the Batch pool of one GPU type. Every model on that GPU runs its
// micro-batches there, each task naming its model's image: nodes started
// for one model serve the next task of any (README, "Batch pools").
type Pool struct {
	GPU GPUType
	// VMSize is batchVmSize when it carries this GPU, else the GPU's
	// default size (internal/azure/gpus).
	VMSize string
	// MaxNodes is the sum of its models' MaxBatchNodes: the router runs at
	// most that many micro-batches of each model at once.
	MaxNodes int
	Spot     bool
	// Models names the models whose batch work it runs, in stack order.
	Models []string
}

// Pools lists one pool per GPU type of the models, in the order the GPU
// types first appear among them.
func (c *Config) Pools() []Pool {
	var out []Pool
	at := map[GPUType]int{}
	for _, m := range c.Models {
		i, ok := at[m.GPU]
		if !ok {
			size := c.Batch.VMSize
			if g, ok := gpus.OfVMSize(size); !ok || GPUType(g) != m.GPU {
				p, _ := gpus.Lookup(gpus.Type(m.GPU))
				size = p.PoolVMSize
			}
			out = append(out, Pool{GPU: m.GPU, VMSize: size, Spot: c.Batch.Spot})
			i = len(out) - 1
			at[m.GPU] = i
		}
		out[i].MaxNodes += m.MaxBatchNodes
		out[i].Models = append(out[i].Models, m.Name)
	}
	return out
}

// PoolIndex is the place of the GPU's pool in Pools, or -1.
func (c *Config) PoolIndex(g GPUType) int {
	seen := map[GPUType]bool{}
	n := 0
	for _, m := range c.Models {
		if seen[m.GPU] {
			continue
		}
		if m.GPU == g {
			return n
		}
		seen[m.GPU] = true
		n++
	}
	return -1
}

// GPUTypes lists the models' GPU types, each once, in pool order.
func (c *Config) GPUTypes() []GPUType {
	var out []GPUType
	for _, p := range c.Pools() {
		out = append(out, p.GPU)
	}
	return out
}

// validatePools checks batchVmSize against the fleet's GPUs and, in an
// isolated stack, the pools' nodes against their subnet.
func (c *Config) validatePools() []error {
	var errs []error
	vm := c.Batch.VMSize
	var types []string
	for _, g := range c.GPUTypes() {
		types = append(types, string(g))
	}
	if family, date, retired := retiredVMFamily(vm); retired {
		errs = append(errs, keyError("batchVmSize", vm, fmt.Sprintf("the %s family was retired on %s; allowed: empty (each GPU's default size) or a current size such as Standard_NC4as_T4_v3 or Standard_NC24ads_A100_v4", family, date)))
	} else if g, ok := gpus.OfVMSize(vm); vm != "" && !ok {
		errs = append(errs, keyError("batchVmSize", vm, "it has no NVIDIA T4 or A100 GPU; allowed: empty (each GPU's default size) or a size with the GPU of a model, such as Standard_NC4as_T4_v3, Standard_NC8as_T4_v3, Standard_NC24ads_A100_v4"))
	} else if vm != "" && c.PoolIndex(GPUType(g)) < 0 && len(types) > 0 {
		errs = append(errs, keyError("batchVmSize", vm, fmt.Sprintf("it carries a %s GPU, which no model runs on; allowed: a size with the GPU of a model (%s), or empty", g, strings.Join(types, ", "))))
	}
	if c.Network.Isolation {
		total := 0
		for _, p := range c.Pools() {
			total += p.MaxNodes
		}
		if total > MaxIsolatedPoolNodes {
			key, value := "batchMaxNodes", any(total)
			if c.listed {
				key = "models"
				value = fmt.Sprintf("%d nodes across the pools (the sum of maxBatchNodes)", total)
			}
			errs = append(errs, keyError(key, value, fmt.Sprintf("with networkIsolation at most %d, the addresses of the pools' /24 subnet", MaxIsolatedPoolNodes)))
		}
	}
	return errs
}
