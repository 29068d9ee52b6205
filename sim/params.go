package sim

import (
	"fmt"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/pricing"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// Params are the capacity, price and throughput models. Every field's source
// is in Describe and docs/simulation.md.
type Params struct {
	// GPU names the GPU type (GPUs) whose profile, node size and
	// throughput these are; "" for figures set by hand.
	GPU        string
	Throughput Throughput

	// Serverless GPU replicas (Container Apps, the GPU's workload profile).
	MinReplicas int
	MaxReplicas int
	// ReplicaConcurrency is the HTTP scale rule's concurrentRequests: a
	// scale target, not a cap (Throughput.MaxStreams caps a replica).
	ReplicaConcurrency int
	ColdStart          time.Duration
	// Cooldown is the scale rule's cooldownPeriod: how long after the last
	// request the app goes to MinReplicas.
	Cooldown time.Duration
	// ScaleDownStabilization is the platform's scale-down stabilization
	// window: the replica count does not fall below the highest need
	// within it. ScaleEvalInterval is how often scale is decided.
	ScaleDownStabilization time.Duration
	ScaleEvalInterval      time.Duration
	IngressTimeout         time.Duration
	// Prices is the price table the stack's router settings and the preview
	// estimate use (internal/azure/pricing): one source for every price. A
	// replica is priced as ReplicaProfile with the vCPU and memory the
	// inference app is allocated; a node as NodeVMSize, Spot or not.
	Prices           pricing.Table
	ReplicaProfile   string
	ReplicaVCPU      float64
	ReplicaMemoryGiB float64

	// Batch pool (Spot nodes of the GPU's VM size).
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
	// Dispatcher: a micro-batch (one Batch task) takes at most
	// MicroBatchMax messages, and is cut when the oldest waited
	// MicroBatchWait (the router's DISPATCH_BATCH_SIZE and DISPATCH_GATHER).
	MicroBatchMax  int
	MicroBatchWait time.Duration
	// Autoscale are the options the stack builds its formula from.
	Autoscale autoscale.Options

	// QueueDepthPoll is how often the router reads the work queue's depth;
	// KeepWarmInterval how often it asks router.KeepWarm.
	QueueDepthPoll   time.Duration
	KeepWarmInterval time.Duration
	// Horizon bounds a run after the last arrival (a pool that never scales
	// in would otherwise run forever).
	Horizon time.Duration
}

// DefaultParams model the stack's default T4 configuration with the replica
// and node limits raised to carry the conversation trace (see
// docs/simulation.md for why and for each source).
func DefaultParams() Params {
	dispatch := config.Default().Dispatch
	as := autoscale.DefaultOptions()
	as.MaxNodes = 24
	t4, _ := GPUByName("T4")
	return Params{
		MinReplicas:            0,
		MaxReplicas:            24,
		ReplicaConcurrency:     8,
		ColdStart:              90 * time.Second,
		Cooldown:               60 * time.Second,
		ScaleDownStabilization: 300 * time.Second,
		ScaleEvalInterval:      15 * time.Second,
		IngressTimeout:         240 * time.Second,
		Prices:                 pricing.Default(),
		MaxNodes:               24,
		NodeSpot:               true,
		NodeAllocationDelay:    5 * time.Minute,
		PreemptionRatePerHour:  0.05,
		EvaluationInterval:     5 * time.Minute,
		SampleDelay:            autoscale.SampleDelay,
		TaskStartup:            45 * time.Second,
		MicroBatchMax:          dispatch.BatchSize,
		MicroBatchWait:         dispatch.Gather,
		Autoscale:              as,
		QueueDepthPoll:         10 * time.Second,
		KeepWarmInterval:       router.KeepWarmInterval,
		Horizon:                12 * time.Hour,
	}.OnGPU(t4)
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
	case p.Throughput.Contention < 0 || p.Throughput.MaxStreams < 1:
		return fmt.Errorf("sim: Contention must not be negative and MaxStreams must be at least 1")
	case p.MaxReplicas < 1 || p.ReplicaConcurrency < 1 || p.MinReplicas < 0:
		return fmt.Errorf("sim: MaxReplicas and ReplicaConcurrency must be at least 1, MinReplicas at least 0")
	case p.MaxNodes < 1 || p.MicroBatchMax < 1:
		return fmt.Errorf("sim: MaxNodes and MicroBatchMax must be at least 1")
	case p.Cooldown < 0 || p.ScaleDownStabilization < 0:
		return fmt.Errorf("sim: Cooldown and ScaleDownStabilization must not be negative")
	case p.ScaleEvalInterval <= 0 || p.EvaluationInterval <= 0 || p.QueueDepthPoll <= 0 || p.KeepWarmInterval <= 0:
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
// inferenceMinReplicas, inferenceMaxReplicas, inferenceConcurrency and
// batchMaxNodes — taken from p where p models the same thing.
func (p Params) StackSettings() router.Settings {
	s := router.DefaultSettings()
	s.ScaleDownDelay = p.Cooldown
	s.MinReplicas = p.MinReplicas
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
	g, err := GPUByName(p.GPU)
	if err != nil {
		g = GPU{PrefillSource: "set by hand", DecodeSource: "set by hand", CurveSource: "set by hand"}
	}
	return []Param{
		{"prefill_tokens_per_s", f("%g per stream alone", p.Throughput.PrefillTokensPerSecond), g.PrefillSource},
		{"decode_tokens_per_s", f("%g per stream alone", p.Throughput.DecodeTokensPerSecond), g.DecodeSource},
		{"contention", f("β = %g: each of n streams runs at 1/(1+β(n−1)) of its rate alone; GPU throughput %.2f× one stream at 4, %.2f× at 8, %.2f× at %d", p.Throughput.Contention, p.Throughput.Gain(4), p.Throughput.Gain(8), p.Throughput.Gain(p.Throughput.MaxStreams), p.Throughput.MaxStreams), g.CurveSource},
		{"max_streams", f("%d per GPU", p.Throughput.MaxStreams), "the sweep's largest point; about what a T4's KV cache holds for this trace's requests (docs/simulation.md; an A100's holds more, so it is conservative there); further requests wait; batch tasks run this many at once too"},
		{"min_replicas", f("%d", p.MinReplicas), "stack config inferenceMinReplicas default 0; the run starts with these replicas warm"},
		{"max_replicas", f("%d", p.MaxReplicas), "assumption: the dev/prod limits (1–8) cannot carry this trace; raised so that all-realtime is not capacity-bound"},
		{"replica_concurrency", f("%d", p.ReplicaConcurrency), "stack config inferenceConcurrency default 8 (HTTP scale rule concurrentRequests): desired replicas = ceil(in flight / this); a scale target, not a cap"},
		{"cold_start", d(p.ColdStart), "stack config coldStartSeconds default 90; docs/azure-facts.md: tens of seconds to minutes, no official figure"},
		{"cooldown", d(p.Cooldown), "stack config inferenceCooldownSeconds default 60, the scale rule's cooldownPeriod: after this long without a request in flight the app goes to min_replicas (azure-docs container-apps/scale-app.md, Scale behavior)"},
		{"scale_down_stabilization", d(p.ScaleDownStabilization), "Container Apps scale-down stabilization window 300 s, not settable in API 2025-01-01 (scale-app.md, Scale behavior): replicas do not fall below the highest need within it"},
		{"scale_eval_interval", d(p.ScaleEvalInterval), "assumption: the Kubernetes HPA's default 15 s sync period (pollingInterval does not apply to HTTP rules, scale-app.md); scale-out is applied at once (optimistic)"},
		{"ingress_timeout", d(p.IngressTimeout), "Container Apps HTTP ingress request timeout 240 s (docs/azure-facts.md)"},
		{"replica_price_per_s", f("$%.6f", p.ReplicaPricePerSecond()), f("internal/azure/pricing (the table the stack's router settings and the preview use): %s GPU meter $%.6f/s + %g vCPU × $%.6f + %g GiB × $%.6f (Consumption active rates); serverless GPU apps are always billed at the active rate, idle or not (azure-docs container-apps/billing.md); billed per second from cold start to removal",
			p.ReplicaProfile, p.Prices.GPUProfiles[p.ReplicaProfile].GPU.USD, p.ReplicaVCPU, p.Prices.ACAvCPUSecond.USD, p.ReplicaMemoryGiB, p.Prices.ACAGiBSecond.USD)},
		{"max_nodes", f("%d", p.MaxNodes), "assumption, as max_replicas (stack batchMaxNodes, dev 2, prod 10)"},
		{"node_price_per_h", f("$%.4f", p.NodePricePerSecond()*3600), f("internal/azure/pricing: %s, %s (retail prices API, eastus; Spot prices move with capacity); billed from allocation to removal", p.NodeVMSize, map[bool]string{true: "Spot", false: "pay-as-you-go"}[p.NodeSpot])},
		{"node_allocation_delay", d(p.NodeAllocationDelay), "assumption: VM allocation, start task and image pull; same figure as autoscale.DefaultSimConfig"},
		{"preemption_rate", f("%g per node-hour", p.PreemptionRatePerHour), "assumption: Spot eviction is not published per size; a preempted node's task is requeued (Batch requeues tasks of preempted nodes) and the node is replaced after the allocation delay"},
		{"evaluation_interval", d(p.EvaluationInterval), "Batch autoscale evaluation interval, shortest allowed PT5M (docs/azure-facts.md)"},
		{"sample_delay", d(p.SampleDelay), "samples every 30 s, about 1 minute late (batch-automatic-scaling.md, docs/azure-facts.md)"},
		{"formula", "autoscale.Build(DefaultOptions, MaxNodes=max_nodes)", "the stack's built formula, evaluated by the autoscale package's evaluator against the samples the simulated pool produced"},
		{"task_startup", d(p.TaskStartup), "assumption: container start and loading ~4 GB of 4-bit weights per task on a node with the image cached"},
		{"micro_batch", f("≤%d messages, cut after %s", p.MicroBatchMax, p.MicroBatchWait), "the router's DISPATCH_BATCH_SIZE and DISPATCH_GATHER defaults (router/config): the dispatcher gathers a micro-batch until it is full or its first message waited that long, and runs one per node max-batch-nodes allows"},
		{"queue_depth_poll", d(p.QueueDepthPoll), "assumption: how often the router refreshes live.Tracker's queue depth"},
		{"keep_warm_interval", d(p.KeepWarmInterval), "router.KeepWarmInterval: how often the router asks router.KeepWarm"},
		{"initial_state", "cold", "min_replicas replicas, zero nodes, the router has never served (router.NeverServed); the trace's preceding traffic is unknown"},
	}
}
