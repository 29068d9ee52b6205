package sim

import (
	"fmt"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
	"github.com/gpu-orchestration/gpu-orchestration/internal/pricing"
	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Params are the capacity, price and throughput models. Every field's source
// is in Describe and docs/simulation.md.
type Params struct {
	Throughput Throughput

	// Serverless GPU replicas (Container Apps, Consumption-GPU-NC8as-T4).
	MaxReplicas        int
	ReplicaConcurrency int
	ColdStart          time.Duration
	ScaleDownDelay     time.Duration
	ScalePollInterval  time.Duration
	IngressTimeout     time.Duration
	// Prices is the price table the stack's router settings and the preview
	// estimate use (internal/pricing): one source for every price. A
	// replica is priced as ReplicaProfile with the vCPU and memory the
	// inference app is allocated; a node as NodeVMSize, Spot or not.
	Prices           pricing.Table
	ReplicaProfile   string
	ReplicaVCPU      float64
	ReplicaMemoryGiB float64

	// Batch pool (Standard_NC4as_T4_v3 Spot nodes).
	MaxNodes              int
	NodeVMSize            string
	NodeSpot              bool
	NodeAllocationDelay   time.Duration
	PreemptionRatePerHour float64
	EvaluationInterval    time.Duration
	SampleDelay           time.Duration
	// TaskStartup is a task's fixed cost on a ready node: start the
	// container and load the model into the GPU.
	TaskStartup time.Duration
	// BatchSlots is how many requests a batch task runs at once on its GPU.
	BatchSlots int
	// Dispatcher: a micro-batch (one Batch task) takes at most
	// MicroBatchMax messages, and is cut when the oldest waited
	// MicroBatchWait.
	MicroBatchMax  int
	MicroBatchWait time.Duration
	// Autoscale are the options the stack builds its formula from.
	Autoscale autoscale.Options

	// QueueDepthPoll is how often the router reads the work queue's depth.
	QueueDepthPoll time.Duration
	// Horizon bounds a run after the last arrival (a pool that never scales
	// in would otherwise run forever).
	Horizon time.Duration
}

// DefaultParams model the stack's default T4 configuration with the replica
// and node limits raised to carry the conversation trace (see
// docs/simulation.md for why and for each source).
func DefaultParams() Params {
	as := autoscale.DefaultOptions()
	as.MaxNodes = 24
	return Params{
		Throughput:            Throughput{PrefillTokensPerSecond: 400, DecodeTokensPerSecond: 33},
		MaxReplicas:           24,
		ReplicaConcurrency:    4,
		ColdStart:             90 * time.Second,
		ScaleDownDelay:        300 * time.Second,
		ScalePollInterval:     30 * time.Second,
		IngressTimeout:        240 * time.Second,
		Prices:                pricing.Default(),
		ReplicaProfile:        "Consumption-GPU-NC8as-T4",
		ReplicaVCPU:           8,
		ReplicaMemoryGiB:      56,
		MaxNodes:              24,
		NodeVMSize:            "Standard_NC4as_T4_v3",
		NodeSpot:              true,
		NodeAllocationDelay:   5 * time.Minute,
		PreemptionRatePerHour: 0.05,
		EvaluationInterval:    5 * time.Minute,
		SampleDelay:           autoscale.SampleDelay,
		TaskStartup:           45 * time.Second,
		BatchSlots:            8,
		MicroBatchMax:         32,
		MicroBatchWait:        30 * time.Second,
		Autoscale:             as,
		QueueDepthPoll:        10 * time.Second,
		Horizon:               12 * time.Hour,
	}
}

// ReplicaPricePerSecond is the USD price of one running inference replica,
// from the price table (zero for a profile it lacks; Validate refuses that).
func (p Params) ReplicaPricePerSecond() float64 {
	usd, _ := p.Prices.ReplicaPerSecond(p.ReplicaProfile, p.ReplicaVCPU, p.ReplicaMemoryGiB)
	return usd
}

// NodePricePerSecond is the USD price of one Batch node, from the price
// table (zero for a size it lacks; Validate refuses that).
func (p Params) NodePricePerSecond() float64 {
	usd, _ := p.Prices.NodePerSecond(p.NodeVMSize, p.NodeSpot)
	return usd
}

// Validate reports the first parameter out of range.
func (p Params) Validate() error {
	switch {
	case p.Throughput.PrefillTokensPerSecond <= 0 || p.Throughput.DecodeTokensPerSecond <= 0:
		return fmt.Errorf("sim: throughput must be positive")
	case p.MaxReplicas < 1 || p.ReplicaConcurrency < 1:
		return fmt.Errorf("sim: MaxReplicas and ReplicaConcurrency must be at least 1")
	case p.MaxNodes < 1 || p.BatchSlots < 1 || p.MicroBatchMax < 1:
		return fmt.Errorf("sim: MaxNodes, BatchSlots and MicroBatchMax must be at least 1")
	case p.ScalePollInterval <= 0 || p.EvaluationInterval <= 0 || p.QueueDepthPoll <= 0:
		return fmt.Errorf("sim: poll and evaluation intervals must be positive")
	case p.IngressTimeout <= 0 || p.Horizon <= 0:
		return fmt.Errorf("sim: IngressTimeout and Horizon must be positive")
	case p.PreemptionRatePerHour < 0:
		return fmt.Errorf("sim: PreemptionRatePerHour must not be negative")
	}
	if _, ok := p.Prices.ReplicaPerSecond(p.ReplicaProfile, p.ReplicaVCPU, p.ReplicaMemoryGiB); !ok {
		return fmt.Errorf("sim: the price table has no workload profile %q", p.ReplicaProfile)
	}
	if _, ok := p.Prices.NodePerSecond(p.NodeVMSize, p.NodeSpot); !ok {
		return fmt.Errorf("sim: the price table has no VM size %q", p.NodeVMSize)
	}
	o := p.Autoscale
	o.MaxNodes = p.MaxNodes
	return o.Validate()
}

// Formula is the stack's autoscale formula for these parameters.
func (p Params) Formula() (string, error) {
	o := p.Autoscale
	o.MaxNodes = p.MaxNodes
	return autoscale.Build(o)
}

// StackSettings are the router settings the stack deploys for these
// parameters: the router's DefaultSettings, which are also the stack config's
// defaults for realtimeThresholdMs, batchCostThreshold and coldStartSeconds,
// overlaid with what the stack derives from inferenceCooldownSeconds,
// inferenceMaxReplicas, inferenceConcurrency and batchMaxNodes — taken from
// p where p models the same thing.
func (p Params) StackSettings() router.Settings {
	s := router.DefaultSettings()
	s.ScaleDownDelay = p.ScaleDownDelay
	s.MaxACAReplicas = p.MaxReplicas
	s.ReplicaConcurrency = p.ReplicaConcurrency
	s.MaxBatchNodes = p.MaxNodes
	// The stack sets REALTIME_PRICE_PER_SECOND and BATCH_PRICE_PER_SECOND
	// from the same price table (components/platform.go, routerPrices).
	s.RealtimePricePerSecond = p.ReplicaPricePerSecond()
	s.BatchPricePerSecond = p.NodePricePerSecond()
	return s
}

// Param is one documented model parameter.
type Param struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// Describe lists every parameter with its value and source, for the JSON
// output and the documentation.
func (p Params) Describe() []Param {
	d := func(v time.Duration) string { return v.String() }
	f := func(format string, a ...any) string { return fmt.Sprintf(format, a...) }
	return []Param{
		{"prefill_tokens_per_s", f("%g per stream", p.Throughput.PrefillTokensPerSecond), "T4, Mistral-7B AWQ 4-bit, batch 1: ~400 prefill tok/s (casper-hansen/AutoAWQ PR #92 benchmark table)"},
		{"decode_tokens_per_s", f("%g per stream", p.Throughput.DecodeTokensPerSecond), "same benchmark: 33–35 decode tok/s at batch 1; assumption: each of a GPU's concurrent streams keeps this rate (memory-bound decode)"},
		{"max_replicas", f("%d", p.MaxReplicas), "assumption: the dev/prod limits (1–8) cannot carry this trace (~13 T4s busy on average on this throughput model); raised so that all-realtime is not capacity-bound"},
		{"replica_concurrency", f("%d", p.ReplicaConcurrency), "stack config inferenceConcurrency default 4 (HTTP scale rule concurrentRequests); a replica serves at most this many at once, the rest wait"},
		{"cold_start", d(p.ColdStart), "stack config coldStartSeconds default 90; AZURE_FACTS: tens of seconds to minutes, no official figure"},
		{"scale_down_delay", d(p.ScaleDownDelay), "Container Apps scale cooldownPeriod default 300 s (ARM Scale.cooldownPeriod docs); modelled as the window over which the replica count may not drop below the highest recent need"},
		{"scale_poll_interval", d(p.ScalePollInterval), "Container Apps scale pollingInterval default 30 s (ARM Scale.pollingInterval docs); scale-out is applied at once (optimistic)"},
		{"ingress_timeout", d(p.IngressTimeout), "Container Apps HTTP ingress request timeout 240 s (AZURE_FACTS)"},
		{"replica_price_per_s", f("$%.6f", p.ReplicaPricePerSecond()), f("internal/pricing (the table the stack's router settings and the preview use): %s GPU meter $%.6f/s + %g vCPU × $%.6f + %g GiB × $%.6f (Consumption active rates); allocation: the whole profile, one GPU per replica; billed per second from cold start to removal",
			p.ReplicaProfile, p.Prices.GPUProfiles[p.ReplicaProfile].GPU.USD, p.ReplicaVCPU, p.Prices.ACAvCPUSecond.USD, p.ReplicaMemoryGiB, p.Prices.ACAGiBSecond.USD)},
		{"max_nodes", f("%d", p.MaxNodes), "assumption, as max_replicas (stack batchMaxNodes, dev 2, prod 10)"},
		{"node_price_per_h", f("$%.4f", p.NodePricePerSecond()*3600), f("internal/pricing: %s, %s (retail prices API, eastus; Spot prices move with capacity); billed from allocation to removal", p.NodeVMSize, map[bool]string{true: "Spot", false: "pay-as-you-go"}[p.NodeSpot])},
		{"node_allocation_delay", d(p.NodeAllocationDelay), "assumption: VM allocation, start task and image pull; same figure as autoscale.DefaultSimConfig"},
		{"preemption_rate", f("%g per node-hour", p.PreemptionRatePerHour), "assumption: Spot eviction is not published per size; a preempted node's task is requeued (Batch requeues tasks of preempted nodes) and the node is replaced after the allocation delay"},
		{"evaluation_interval", d(p.EvaluationInterval), "Batch autoscale evaluation interval, shortest allowed PT5M (AZURE_FACTS)"},
		{"sample_delay", d(p.SampleDelay), "samples every 30 s, about 1 minute late (batch-automatic-scaling.md, AZURE_FACTS)"},
		{"formula", "autoscale.Build(DefaultOptions, MaxNodes=max_nodes)", "the stack's built formula, evaluated by the autoscale package's evaluator against the samples the simulated pool produced"},
		{"task_startup", d(p.TaskStartup), "assumption: container start and loading ~4 GB of 4-bit weights per task on a node with the image cached"},
		{"batch_slots", f("%d", p.BatchSlots), "assumption: the batch command runs 8 requests of its micro-batch at once (offline batching), each at the per-stream rates"},
		{"micro_batch", f("≤%d messages, cut after %s", p.MicroBatchMax, p.MicroBatchWait), "32 is the Storage queue's most messages per receive and router/dispatch's DISPATCH_BATCH_SIZE default; the 30 s wait is an assumption"},
		{"queue_depth_poll", d(p.QueueDepthPoll), "assumption: how often the router refreshes live.Tracker's queue depth"},
		{"initial_state", "cold", "zero replicas, zero nodes, the router has never served (router.NeverServed); the trace's preceding traffic is unknown"},
	}
}
