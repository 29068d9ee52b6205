package sim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// PolicyResult is one policy's figures over the replay: every model's
// requests, and in Models each model's when there are several.
type PolicyResult struct {
	Name string `json:"name"`
	// Model names the model whose figures these are (in Models).
	Model     string  `json:"model,omitempty"`
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
	// Models are each model's figures, when the replay has several: their
	// costs and misses add up to the ones above.
	Models []PolicyResult `json:"models,omitempty"`
	// Canaries are the production router's canary revisions: when each was
	// rolled back and what its model's users saw.
	Canaries []CanaryResult `json:"canaries,omitempty"`

	outcomes []Outcome
}

// Outcomes returns the per-request outcomes, indexed by Request.ID.
func (r *PolicyResult) Outcomes() []Outcome { return r.outcomes }

// summarize is a policy's figures over the requests with IDs ids (every
// request when nil), which used u.
func summarize(name string, reqs []Request, ids []int, out []Outcome, u usage) PolicyResult {
	res := PolicyResult{
		Name:          name,
		MissedByClass: map[string]int{},
		P50:           map[string]float64{},
		P99:           map[string]float64{},
		Routes:        map[string]int{},
		Reasons:       map[string]int{},
		GPUHours: map[string]float64{
			"realtime": round(u.realtimeSeconds/3600, 4),
			"batch":    round(u.batchSeconds/3600, 4),
		},
		outcomes: out,
	}
	res.CostByPath = map[string]float64{"realtime": round(u.realtimeUSD, 4), "batch": round(u.batchUSD, 4)}
	res.CostUSD = round(u.realtimeUSD+u.batchUSD, 4)
	n := len(ids)
	if ids == nil {
		n = len(reqs)
	}
	if n > 0 {
		res.CostPer1K = round((u.realtimeUSD+u.batchUSD)/float64(n)*1000, 4)
	}
	lat := map[Class][]time.Duration{}
	for _, c := range Classes {
		res.MissedByClass[c.String()] = 0
	}
	eachOf(reqs, ids, func(r Request) {
		o := out[r.ID]
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
	})
	for c, ls := range lat {
		slices.Sort(ls)
		res.P50[c.String()] = round(percentile(ls, 50).Seconds(), 3)
		res.P99[c.String()] = round(percentile(ls, 99).Seconds(), 3)
	}
	return res
}

// eachOf calls f with the requests whose IDs are ids, or every request for
// nil ids.
func eachOf(reqs []Request, ids []int, f func(Request)) {
	if ids == nil {
		for _, r := range reqs {
			f(r)
		}
		return
	}
	for _, id := range ids {
		f(reqs[id])
	}
}

// compareToBound fills the misses whose deadline lower-bound meets, of the
// requests with IDs ids (every request when nil).
func (res *PolicyResult) compareToBound(reqs []Request, ids []int, bound []Outcome) {
	res.MissedMetByLowerBound = 0
	res.MissedMetByLowerBoundStartup = 0
	res.MissedMetByLowerBoundWhy = map[string]int{}
	eachOf(reqs, ids, func(r Request) {
		o := res.outcomes[r.ID]
		if !o.Missed(r) || bound[r.ID].Missed(r) {
			return
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
	})
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

// Report is the simulator's answer for one replay.
type Report struct {
	Trace    string `json:"trace"`
	Requests int    `json:"requests"`
	Rule     string `json:"rule"`
	// Params and Settings are the model's, for a replay of one model;
	// Models describes each model of a replay of several.
	Params   []Param           `json:"params,omitempty"`
	Settings map[string]string `json:"router_settings,omitempty"`
	Models   []ModelReport     `json:"models,omitempty"`
	// Routers is the router app's shape, when it has several replicas.
	Routers  *RoutersReport `json:"routers,omitempty"`
	Policies []PolicyResult `json:"policies"`
}

// ModelReport describes one model of a replay of several.
type ModelReport struct {
	Name     string            `json:"name"`
	Trace    string            `json:"trace"`
	GPU      string            `json:"gpu"`
	Requests int               `json:"requests"`
	Params   []Param           `json:"params"`
	Settings map[string]string `json:"router_settings"`
}

// RoutersReport is how many router replicas the production router ran
// as, how requests were spread, and whether they shared their state.
type RoutersReport struct {
	Replicas int     `json:"replicas"`
	Spread   string  `json:"spread"`
	SyncS    float64 `json:"sync_s"`
	Shared   bool    `json:"shared"`
}

// Config is what Simulate replays.
type Config struct {
	// Models are the models replayed at once, each with its trace (at least
	// one). Their traces start together.
	Models []Model
	Rule   Rule
	// Policies to run, by name; empty means all of PolicyNames.
	Policies []string
	// Routers is the production router's replicas (the zero value: one).
	Routers Routers
}

// Simulate derives the requests of every model with cfg.Rule and replays
// them under each policy. Lower-bound is always computed, to compare misses
// against, but reported only when asked for.
func Simulate(cfg Config) (*Report, error) {
	names := cfg.Policies
	if len(names) == 0 {
		names = PolicyNames
	}
	for _, n := range names {
		if !slices.Contains(PolicyNames, n) {
			return nil, fmt.Errorf("sim: unknown policy %q; known: %v", n, PolicyNames)
		}
	}
	for _, m := range cfg.Models {
		if m.Canary != nil {
			if err := m.Canary.Validate(); err != nil {
				return nil, fmt.Errorf("model %s: %w", m.Name, err)
			}
		}
	}
	rp, err := newReplay(cfg.Models, cfg.Rule, cfg.Routers)
	if err != nil {
		return nil, err
	}
	boundOut, boundTot := lowerBound(rp)
	rep := &Report{Requests: len(rp.reqs), Rule: cfg.Rule.String()}
	if m := cfg.Models[0]; len(cfg.Models) == 1 {
		rep.Trace, rep.Params, rep.Settings = m.Trace, m.Params.Describe(), describeSettings(m.Settings)
	} else {
		var traces []string
		for i, m := range cfg.Models {
			traces = append(traces, m.Name+"="+m.Trace)
			rep.Models = append(rep.Models, ModelReport{Name: m.Name, Trace: m.Trace, GPU: m.Params.GPU, Requests: len(rp.byModel[i]),
				Params: m.Params.Describe(), Settings: describeSettings(m.Settings)})
		}
		rep.Trace = strings.Join(traces, ", ")
	}
	if r := cfg.Routers; r.n() > 1 {
		rep.Routers = &RoutersReport{Replicas: r.n(), Spread: r.spread(), SyncS: r.Sync.Seconds(), Shared: r.shared()}
	}
	for _, n := range names {
		out, tot := boundOut, boundTot
		if n != LowerBound {
			runRp := rp
			if n == OpenAIAPI {
				runRp = rp.withRequests(openAIRequests(rp.reqs))
			}
			if out, tot, err = run(runRp, n); err != nil {
				return nil, fmt.Errorf("policy %s: %w", n, err)
			}
		}
		res := summarize(n, rp.reqs, nil, out, tot.of(nil))
		res.AutoscaleEvalFailures, res.Preemptions, res.KeepWarmPings, res.EndS = tot.evalFailures, tot.preemptions, tot.pings, round(tot.end.Seconds(), 3)
		res.compareToBound(rp.reqs, nil, boundOut)
		if len(rp.models) > 1 {
			for i, m := range rp.models {
				mr := summarize(n, rp.reqs, rp.byModel[i], out, tot.of([]int{i}))
				mr.Model = m.Name
				mr.compareToBound(rp.reqs, rp.byModel[i], boundOut)
				res.Models = append(res.Models, mr)
			}
		}
		res.Canaries = tot.canaries
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
