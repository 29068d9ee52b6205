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
	// StartupWindow of their model's first one (its region's system starts
	// cold then); the rest are the steady state's.
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
	// StartupWindow of their model's first request, while the system comes
	// up from zero replicas and nodes — which lower-bound does not pay for.
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
	// Spillover: a run of several regions that offer each other the
	// requests they refuse for their deadline (false: isolated regions).
	// Regions are each region's figures — the requests it received, what
	// its apps and pool cost, its spill-over — adding up to the ones above;
	// Region names the region whose figures these are (in Regions).
	Spillover bool           `json:"spillover,omitempty"`
	Regions   []PolicyResult `json:"regions,omitempty"`
	Region    string         `json:"region,omitempty"`
	Spill     *SpillResult   `json:"spill,omitempty"`
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
	startup := inStartup(reqs)
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
			if startup(r) {
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
	startup := inStartup(reqs)
	eachOf(reqs, ids, func(r Request) {
		o := res.outcomes[r.ID]
		if !o.Missed(r) || bound[r.ID].Missed(r) {
			return
		}
		res.MissedMetByLowerBound++
		if startup(r) {
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

// inStartup reports whether a request of reqs arrived within StartupWindow
// of its model's first: a model's traffic starts with the replay, or with
// its region's, whose stack comes up from nothing then.
func inStartup(reqs []Request) func(Request) bool {
	first := map[int]time.Duration{}
	for _, r := range reqs {
		if f, ok := first[r.Model]; !ok || r.Arrival < f {
			first[r.Model] = r.Arrival
		}
	}
	return func(r Request) bool { return r.Arrival-first[r.Model] < StartupWindow }
}

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
	// Regions describes each region of a replay of several, RoundTripMs
	// the time between two of them there and back.
	Regions     []RegionReport `json:"regions,omitempty"`
	RoundTripMs float64        `json:"round_trip_ms,omitempty"`
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
	// Routers is the production router's replicas (the zero value: one),
	// in each region.
	Routers Routers
	// Regions, in place of Models, are two regions or more serving the same
	// model, each its own stack; RoundTrip is the time between two of them
	// there and back. The routed policies are replayed twice: with the
	// regions isolated, and with spill-over between them.
	Regions   []Region
	RoundTrip time.Duration
}

// Simulate derives the requests of every model with cfg.Rule and replays
// them under each policy; with several regions, the routed policies once
// more with spill-over. Lower-bound is always computed, to compare misses
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
	specs, err := cfg.regionSpecs()
	if err != nil {
		return nil, err
	}
	for _, reg := range specs {
		for _, m := range reg.models {
			if m.Canary != nil {
				if err := m.Canary.Validate(); err != nil {
					return nil, fmt.Errorf("model %s: %w", m.Name, err)
				}
			}
		}
	}
	rp, err := newRegionsReplay(specs, cfg.Rule, cfg.Routers)
	if err != nil {
		return nil, err
	}
	rp.roundTrip = cfg.RoundTrip
	boundOut, boundTot := lowerBound(rp)
	rep := &Report{Requests: len(rp.reqs), Rule: cfg.Rule.String()}
	switch m := rp.models[0]; {
	case len(cfg.Regions) > 0:
		var traces []string
		for i, r := range cfg.Regions {
			traces = append(traces, r.Name+"="+r.Model.Trace)
			rep.Regions = append(rep.Regions, RegionReport{Region: r.Name, ShiftS: r.Shift.Seconds(), ModelReport: describeModel(r.Model, len(rp.byModel[i]))})
		}
		rep.Trace, rep.RoundTripMs = strings.Join(traces, ", "), float64(cfg.RoundTrip)/float64(time.Millisecond)
	case len(rp.models) == 1:
		rep.Trace, rep.Params, rep.Settings = m.Trace, m.Params.Describe(), describeSettings(m.Settings)
	default:
		var traces []string
		for i, m := range rp.models {
			traces = append(traces, m.Name+"="+m.Trace)
			rep.Models = append(rep.Models, describeModel(m, len(rp.byModel[i])))
		}
		rep.Trace = strings.Join(traces, ", ")
	}
	if r := cfg.Routers; r.n() > 1 {
		rep.Routers = &RoutersReport{Replicas: r.n(), Spread: r.spread(), SyncS: r.Sync.Seconds(), Shared: r.shared()}
	}
	for _, n := range names {
		res, err := replayPolicy(rp, n, boundOut, boundTot)
		if err != nil {
			return nil, err
		}
		rep.Policies = append(rep.Policies, res)
		if len(rp.regions) > 1 && (n == Production || n == OpenAIAPI) {
			if res, err = replayPolicy(rp.withSpillover(), n, boundOut, boundTot); err != nil {
				return nil, err
			}
			rep.Policies = append(rep.Policies, res)
		}
	}
	return rep, nil
}

// replayPolicy replays rp under policy n (lower-bound's outcomes are
// bound), with each model's figures or each region's.
func replayPolicy(rp *replay, n string, bound []Outcome, boundTot runTotals) (PolicyResult, error) {
	out, tot := bound, boundTot
	if n != LowerBound {
		runRp := rp
		if n == OpenAIAPI {
			runRp = rp.withRequests(openAIRequests(rp.reqs))
		}
		var err error
		if out, tot, err = run(runRp, n); err != nil {
			return PolicyResult{}, fmt.Errorf("policy %s: %w", n, err)
		}
	}
	res := summarize(n, rp.reqs, nil, out, tot.of(nil))
	res.AutoscaleEvalFailures, res.Preemptions, res.KeepWarmPings, res.EndS = tot.evalFailures, tot.preemptions, tot.pings, round(tot.end.Seconds(), 3)
	res.compareToBound(rp.reqs, nil, bound)
	res.Spillover = rp.spill
	switch {
	case len(rp.regions) > 1:
		for _, rr := range rp.regions {
			r := summarize(n, rp.reqs, rr.ids, out, tot.of(rr.models))
			r.Region = rr.name
			r.compareToBound(rp.reqs, rr.ids, bound)
			if rp.spill {
				r.Spill = spillOf(rr, rp.reqs, out)
			}
			res.Regions = append(res.Regions, r)
		}
	case len(rp.models) > 1:
		for i, m := range rp.models {
			mr := summarize(n, rp.reqs, rp.byModel[i], out, tot.of([]int{i}))
			mr.Model = m.Name
			mr.compareToBound(rp.reqs, rp.byModel[i], bound)
			res.Models = append(res.Models, mr)
		}
	}
	res.Canaries = tot.canaries
	return res, nil
}

// describeModel describes m, which received requests requests, in a report
// of several models or regions.
func describeModel(m Model, requests int) ModelReport {
	return ModelReport{Name: m.Name, Trace: m.Trace, GPU: m.Params.GPU, Requests: requests, Params: m.Params.Describe(), Settings: describeSettings(m.Settings)}
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
