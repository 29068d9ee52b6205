package sim

import (
	"fmt"
	"slices"
	"strings"
)

// GPU is a GPU type a model is deployed on, as the stack's gpuType names
// it: the serverless GPU workload profile its app's replicas take whole,
// the Batch VM size of its pool's nodes, and how fast the modelled model
// (a 7–8B LLM) runs on it, with where those figures come from.
type GPU struct {
	Name             string
	ReplicaProfile   string
	ReplicaVCPU      float64
	ReplicaMemoryGiB float64
	NodeVMSize       string
	Throughput       Throughput
	// Sources of the throughput figures, for Params.Describe.
	PrefillSource, DecodeSource, CurveSource string
}

// curveSource is where the contention curve comes from on every GPU.
const curveSource = "fitted to the vLLM concurrency sweep of Mistral-7B on an RTX 4090 (mushfiqrahman.dev: 210/377/644/975/1190 output tok/s at 4/8/16/32/48 concurrent); the shape only"

// GPUs are the GPU types the stack deploys (components/config gpuType).
var GPUs = []GPU{
	{
		Name: "T4", ReplicaProfile: "Consumption-GPU-NC8as-T4", ReplicaVCPU: 8, ReplicaMemoryGiB: 56, NodeVMSize: "Standard_NC4as_T4_v3",
		Throughput:    Throughput{PrefillTokensPerSecond: 400, DecodeTokensPerSecond: 33, Contention: 0.028, MaxStreams: 48},
		PrefillSource: "T4, Mistral-7B AWQ 4-bit, batch 1: ~400 prefill tok/s (casper-hansen/AutoAWQ PR #92 benchmark table)",
		DecodeSource:  "same benchmark: 33–35 decode tok/s at batch 1",
		CurveSource:   curveSource,
	},
	{
		// A 7–8B model in bfloat16: the A100's 80 GB hold it without
		// quantisation (docs/openai.md, GPU memory).
		Name: "A100", ReplicaProfile: "Consumption-GPU-NC24-A100", ReplicaVCPU: 24, ReplicaMemoryGiB: 220, NodeVMSize: "Standard_NC24ads_A100_v4",
		Throughput:    Throughput{PrefillTokensPerSecond: 5000, DecodeTokensPerSecond: 75, Contention: 0.028, MaxStreams: 48},
		PrefillSource: "assumption: about a quarter of the compute bound (312 TFLOPS bf16 over ~16 GFLOP a token for an 8B model ≈ 19,500 tok/s)",
		DecodeSource:  "A100 40GB, Llama-3.1-8B-Instruct bf16, vLLM, one request: about 75 tok/s (johnmusgrave.com, vLLM throughput-latency sweep on NVIDIA A100); the 80GB A100 of Azure's profiles has more memory bandwidth, so this is conservative",
		CurveSource:   curveSource + "; the same sweep on the A100 gains 6.6× at 8 concurrent, the curve 6.7×",
	},
}

// GPUByName returns the GPU type the stack calls name (T4 or A100, any case).
func GPUByName(name string) (GPU, error) {
	for _, g := range GPUs {
		if strings.EqualFold(g.Name, name) {
			return g, nil
		}
	}
	return GPU{}, fmt.Errorf("sim: unknown GPU %q; known: %s", name, strings.Join(GPUNames(), ", "))
}

// GPUNames are the known GPU types' names.
func GPUNames() []string {
	var out []string
	for _, g := range GPUs {
		out = append(out, g.Name)
	}
	return slices.Clip(out)
}

// OnGPU returns p with g's replica profile, node size and throughput.
func (p Params) OnGPU(g GPU) Params {
	p.GPU = g.Name
	p.Throughput = g.Throughput
	p.ReplicaProfile, p.ReplicaVCPU, p.ReplicaMemoryGiB = g.ReplicaProfile, g.ReplicaVCPU, g.ReplicaMemoryGiB
	p.NodeVMSize = g.NodeVMSize
	return p
}
