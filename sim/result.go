package sim

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// PolicyResult is one policy's figures over the trace.
type PolicyResult struct {
	Name      string  `json:"name"`
	CostUSD   float64 `json:"cost_usd"`
	CostPer1K float64 `json:"cost_per_1k_requests_usd"`
	// Missed counts requests not answered within their deadline (refused
	// and failed ones included).
	Missed        int            `json:"missed"`
	MissedByClass map[string]int `json:"missed_by_class"`
	// MissedInStartup counts the misses of requests that arrived within
	// StartupWindow of the first one (the system starts cold); the rest
	// are the steady state's.
	MissedInStartup int `json:"missed_in_startup"`
	// P50 and P99 are completion times in seconds (arrival to answer) of
	// the answered requests, by class.
	P50 map[string]float64 `json:"p50_s"`
	P99 map[string]float64 `json:"p99_s"`
	// GPUHours are replica-hours (realtime) and node-hours (batch) billed.
	GPUHours   map[string]float64 `json:"gpu_hours"`
	CostByPath map[string]float64 `json:"cost_by_path_usd"`
	// Routes counts where requests ended up; Reasons the policy's
	// decisions (router reason codes for production).
	Routes     map[string]int `json:"routes"`
	Reasons    map[string]int `json:"reasons"`
	Unanswered int            `json:"unanswered"`
	// MissedMetByLowerBound counts this policy's misses whose deadline
	// lower-bound meets; Why breaks them down by decision reason and
	// what went wrong.
	MissedMetByLowerBound    int            `json:"missed_met_by_lower_bound"`
	MissedMetByLowerBoundWhy map[string]int `json:"missed_met_by_lower_bound_why,omitempty"`
	// MissedMetByLowerBoundStartup counts those that arrived within
	// StartupWindow of the first request, while the system comes up from
	// zero replicas and nodes — which lower-bound does not pay for.
	MissedMetByLowerBoundStartup int `json:"missed_met_by_lower_bound_in_startup"`
	// KeepWarmPings counts production's keep-warm requests.
	KeepWarmPings int `json:"keep_warm_pings"`
	// Capacity events of the run.
	AutoscaleEvalFailures int     `json:"autoscale_eval_failures"`
	Preemptions           int     `json:"preemptions"`
	EndS                  float64 `json:"end_s"`

	outcomes []Outcome
}

// Outcomes returns the per-request outcomes, indexed by Request.ID.
func (r *PolicyResult) Outcomes() []Outcome { return r.outcomes }

func summarize(name string, reqs []Request, out []Outcome, tot runTotals, p Params) PolicyResult {
	res := PolicyResult{
		Name:          name,
		MissedByClass: map[string]int{},
		P50:           map[string]float64{},
		P99:           map[string]float64{},
		Routes:        map[string]int{},
		Reasons:       map[string]int{},
		GPUHours: map[string]float64{
			"realtime": round(tot.realtimeSeconds/3600, 4),
			"batch":    round(tot.batchSeconds/3600, 4),
		},
		AutoscaleEvalFailures: tot.evalFailures,
		Preemptions:           tot.preemptions,
		KeepWarmPings:         tot.pings,
		EndS:                  round(tot.end.Seconds(), 3),
		outcomes:              out,
	}
	rtCost := tot.realtimeSeconds * p.ReplicaPricePerSecond()
	bCost := tot.batchSeconds * p.NodePricePerSecond()
	res.CostByPath = map[string]float64{"realtime": round(rtCost, 4), "batch": round(bCost, 4)}
	res.CostUSD = round(rtCost+bCost, 4)
	if len(reqs) > 0 {
		res.CostPer1K = round((rtCost+bCost)/float64(len(reqs))*1000, 4)
	}
	lat := map[Class][]time.Duration{}
	for _, c := range Classes {
		res.MissedByClass[c.String()] = 0
	}
	for i, r := range reqs {
		o := out[i]
		res.Routes[o.Route.String()]++
		res.Reasons[o.Reason]++
		if o.Answered {
			lat[r.Class] = append(lat[r.Class], o.Latency)
		} else {
			res.Unanswered++
		}
		if o.Missed(r) {
			res.Missed++
			res.MissedByClass[r.Class.String()]++
			if r.Arrival < StartupWindow {
				res.MissedInStartup++
			}
		}
	}
	for c, ls := range lat {
		slices.Sort(ls)
		res.P50[c.String()] = round(percentile(ls, 50).Seconds(), 3)
		res.P99[c.String()] = round(percentile(ls, 99).Seconds(), 3)
	}
	return res
}

// compareToBound fills the misses whose deadline lower-bound meets.
func (res *PolicyResult) compareToBound(reqs []Request, bound []Outcome) {
	res.MissedMetByLowerBound = 0
	res.MissedMetByLowerBoundStartup = 0
	res.MissedMetByLowerBoundWhy = map[string]int{}
	for i, r := range reqs {
		o := res.outcomes[i]
		if !o.Missed(r) || bound[i].Missed(r) {
			continue
		}
		res.MissedMetByLowerBound++
		if r.Arrival < StartupWindow {
			res.MissedMetByLowerBoundStartup++
		}
		what := o.Failure
		if what == "" {
			what = "late_on_" + o.Route.String()
		}
		key := r.Class.String() + ": " + o.Reason + " → " + what
		if o.Fallback != "" {
			key += " (fallback " + o.Fallback + ")"
		}
		res.MissedMetByLowerBoundWhy[key]++
	}
}

// StartupWindow is how long the simulated system takes to come up from
// nothing: the replicas' 90 s cold start plus the queueing behind it, and the
// pool's first nodes (formula evaluated at start, 5 minutes to allocate).
const StartupWindow = 5 * time.Minute

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, pct float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(pct/100*float64(len(sorted)))) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}

func round(x float64, digits int) float64 {
	m := math.Pow(10, float64(digits))
	return math.Round(x*m) / m
}

// Report is the simulator's answer for one trace.
type Report struct {
	Trace    string            `json:"trace"`
	Requests int               `json:"requests"`
	Rule     string            `json:"rule"`
	Params   []Param           `json:"params"`
	Settings map[string]string `json:"router_settings"`
	Policies []PolicyResult    `json:"policies"`
}

// Config is what Simulate needs besides the trace.
type Config struct {
	TraceName string
	Rule      Rule
	Params    Params
	// Settings are the production router's settings.
	Settings router.Settings
	// Policies to run, by name; empty means all of PolicyNames.
	Policies []string
}

// Simulate derives the requests from rows with cfg.Rule and replays them
// under each policy. Lower-bound is always computed, to compare misses
// against, but reported only when asked for.
func Simulate(rows []TraceRow, cfg Config) (*Report, error) {
	names := cfg.Policies
	if len(names) == 0 {
		names = PolicyNames
	}
	for _, n := range names {
		if !slices.Contains(PolicyNames, n) {
			return nil, fmt.Errorf("sim: unknown policy %q; known: %v", n, PolicyNames)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("sim: the trace has no requests")
	}
	reqs := cfg.Rule.Derive(rows, cfg.Params.Throughput)
	boundOut, boundTot := lowerBound(reqs, cfg.Params)
	rep := &Report{
		Trace: cfg.TraceName, Requests: len(reqs), Rule: cfg.Rule.String(),
		Params: cfg.Params.Describe(), Settings: describeSettings(cfg.Settings),
	}
	for _, n := range names {
		var res PolicyResult
		if n == LowerBound {
			res = summarize(n, reqs, boundOut, boundTot, cfg.Params)
		} else {
			runReqs := reqs
			if n == OpenAIAPI {
				runReqs = openAIRequests(reqs)
			}
			out, tot, err := run(runReqs, rows[0].Time, n, cfg.Params, cfg.Settings, cfg.Rule.Seed)
			if err != nil {
				return nil, fmt.Errorf("policy %s: %w", n, err)
			}
			res = summarize(n, reqs, out, tot, cfg.Params)
		}
		res.compareToBound(reqs, boundOut)
		rep.Policies = append(rep.Policies, res)
	}
	return rep, nil
}

func describeSettings(s router.Settings) map[string]string {
	return map[string]string{
		router.SecretRealtimeThresholdMs: fmt.Sprint(s.RealtimeThreshold.Milliseconds()),
		router.SecretBatchCostThreshold:  fmt.Sprint(s.BatchCostThreshold),
		router.SecretMaxACAReplicas:      fmt.Sprint(s.MaxACAReplicas),
		router.SecretMaxBatchNodes:       fmt.Sprint(s.MaxBatchNodes),
		"replica_concurrency":            fmt.Sprint(s.ReplicaConcurrency),
		"cold_start":                     s.ColdStart.String(),
		"scale_down_delay":               s.ScaleDownDelay.String(),
		"realtime_latency_default":       s.RealtimeLatency.String(),
		"realtime_per_kib_default":       s.RealtimePerKiB.String(),
		"batch_latency_default":          s.BatchLatency.String(),
		"realtime_price_per_s":           fmt.Sprint(s.RealtimePricePerSecond),
		"batch_price_per_s":              fmt.Sprint(s.BatchPricePerSecond),
		"max_queue_depth":                fmt.Sprint(s.MaxQueueDepth),
		"min_replicas":                   fmt.Sprint(s.MinReplicas),
	}
}
