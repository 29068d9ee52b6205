package sim

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/pricing"
	"github.com/gpu-orchestration/gpu-orchestration/router"
)

var t0 = time.Date(2023, 11, 16, 18, 0, 0, 0, time.UTC)

// handParams are round figures for hand computation: 100 prefill and 10
// decode tokens/s (ctx 100 + gen 10 = 2 s), one replica of one slot at
// $0.001/s with a 10 s cold start and a 60 s scale-down delay, nodes at
// $3.60/h ($0.001/s) ready 60 s after allocation, 10 s task start-up, no
// preemption.
func handParams() Params {
	p := DefaultParams()
	p.Throughput = Throughput{PrefillTokensPerSecond: 100, DecodeTokensPerSecond: 10, MaxStreams: 8}
	p.MaxReplicas, p.ReplicaConcurrency = 1, 1
	p.ColdStart, p.Cooldown, p.ScaleDownStabilization, p.ScaleEvalInterval = 10*time.Second, 60*time.Second, 60*time.Second, 30*time.Second
	p.Prices = pricing.Table{
		GPUProfiles: map[string]pricing.GPUProfilePrice{"hand-gpu": {GPU: pricing.Price{USD: 0.001}}},
		VMs:         map[string]pricing.VMPrice{"hand-vm": {Spot: pricing.Price{USD: 3.6}}},
	}
	p.ReplicaProfile, p.NodeVMSize, p.NodeSpot = "hand-gpu", "hand-vm", true
	p.MaxNodes, p.NodeAllocationDelay = 2, 60*time.Second
	p.PreemptionRatePerHour = 0
	p.TaskStartup = 10 * time.Second
	return p
}

func req(id int, at time.Duration, class Class, mode router.Mode, deadline time.Duration) Request {
	return Request{ID: id, Arrival: at, ContextTokens: 100, GeneratedTokens: 10, Class: class, Mode: mode, Deadline: deadline, Size: 600}
}

func mustRun(t *testing.T, reqs []Request, policy string, p Params, s router.Settings) ([]Outcome, PolicyResult) {
	t.Helper()
	out, tot, err := run(handReplay(t, reqs, p, s), policy)
	if err != nil {
		t.Fatalf("run %s: %v", policy, err)
	}
	return out, summarize(policy, reqs, nil, out, tot.of(nil))
}

// handReplay is a replay of requests made by hand for one model.
func handReplay(t *testing.T, reqs []Request, p Params, s router.Settings) *replay {
	t.Helper()
	m := Model{Name: "model", Params: p, Settings: s}
	specs, err := catalogSpecs([]Model{m})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, len(reqs))
	for i := range ids {
		ids[i] = i
	}
	return &replay{models: []Model{m}, regions: []replayRegion{{models: []int{0}, specs: specs, ids: ids}}, reqs: reqs, byModel: [][]int{ids}, start: t0, seed: 1}
}

// oneModel is the models of a replay of rows alone, with the stack's
// settings for p.
func oneModel(rows []TraceRow, p Params) []Model {
	return []Model{{Name: "model", Trace: "fixture", Rows: rows, Params: p, Settings: p.StackSettings()}}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// Three 2-second requests 20 s apart on one replica: the first waits for
// the 10 s cold start, the others find it warm. The replica lives from 0 s
// until the first poll (every 30 s) after 60 s without need: need was last
// seen in the poll period ending at 60 s (request at 40 s), so it goes at
// 120 s: 120 replica-seconds at $0.001 = $0.12.
func TestRealtimeWarmReplicaExactCost(t *testing.T) {
	p := handParams()
	reqs := []Request{
		req(0, 0, Deferrable, router.ModeAuto, time.Hour),
		req(1, 20*time.Second, Deferrable, router.ModeAuto, time.Hour),
		req(2, 40*time.Second, Deferrable, router.ModeAuto, time.Hour),
	}
	out, res := mustRun(t, reqs, AllRealtime, p, p.StackSettings())
	want := []time.Duration{12 * time.Second, 2 * time.Second, 2 * time.Second}
	for i, o := range out {
		if !o.Answered || o.Latency != want[i] {
			t.Errorf("request %d: answered=%v after %v, want %v", i, o.Answered, o.Latency, want[i])
		}
	}
	if !near(res.CostUSD, 0.12) || !near(res.GPUHours["realtime"], round(120.0/3600, 4)) {
		t.Errorf("cost $%v over %v replica-hours, want $0.12 over 120 s", res.CostUSD, res.GPUHours["realtime"])
	}
	if res.Missed != 0 {
		t.Errorf("missed %d, want 0", res.Missed)
	}
}

// A GPU running its most streams (one here) holds the next request at the
// ingress: 1 s after the first it waits 1 s, then runs 2 s.
func TestRealtimeQueuesBeyondMaxStreams(t *testing.T) {
	p := handParams()
	p.Throughput.MaxStreams = 1
	reqs := []Request{
		req(0, 0, Deferrable, router.ModeAuto, time.Hour),
		req(1, 11*time.Second, Deferrable, router.ModeAuto, time.Hour),
	}
	out, _ := mustRun(t, reqs, AllRealtime, p, p.StackSettings())
	if out[1].Latency != 3*time.Second {
		t.Errorf("second request answered after %v, want 3s (1 s wait + 2 s)", out[1].Latency)
	}
}

// Continuous batching: two streams on one GPU each run at half speed with
// β = 1. A 2 s request alone for 1 s has 1 s of work left, which takes 2 s
// beside the second; the second then has 1 s left and runs alone: both
// answer after 3 s.
func TestRealtimeStreamsShareTheGPU(t *testing.T) {
	p := handParams()
	p.Throughput.Contention = 1
	p.MinReplicas = 1
	reqs := []Request{
		req(0, 0, Deferrable, router.ModeAuto, time.Hour),
		req(1, time.Second, Deferrable, router.ModeAuto, time.Hour),
	}
	out, _ := mustRun(t, reqs, AllRealtime, p, p.StackSettings())
	if out[0].Latency != 3*time.Second || out[1].Latency != 3*time.Second {
		t.Errorf("answered after %v and %v, want 3s and 3s", out[0].Latency, out[1].Latency)
	}
}

// The HTTP rule's concurrency is a scale target, not a cap: a second
// request beyond it is served at once by the warm replica while the rule
// starts another replica, which is billed from its start.
func TestConcurrencyIsAScaleTargetNotACap(t *testing.T) {
	p := handParams()
	p.MinReplicas, p.MaxReplicas = 1, 2
	reqs := []Request{
		req(0, 0, Deferrable, router.ModeAuto, time.Hour),
		req(1, time.Second, Deferrable, router.ModeAuto, time.Hour),
	}
	out, res := mustRun(t, reqs, AllRealtime, p, p.StackSettings())
	if out[1].Latency != 2*time.Second {
		t.Errorf("second request answered after %v, want 2s (no wait for the new replica)", out[1].Latency)
	}
	if res.GPUHours["realtime"]*3600 <= out[1].Latency.Seconds()+p.ColdStart.Seconds() {
		t.Errorf("replica-seconds %v: the scale-out replica was not billed", res.GPUHours["realtime"]*3600)
	}
}

func TestMakespanSharesTheGPU(t *testing.T) {
	tp := Throughput{Contention: 1}
	// 2 s and 4 s of work at half speed each until the first ends at 4 s;
	// the second has 2 s left alone: 6 s.
	if got := tp.makespan([]time.Duration{2 * time.Second, 4 * time.Second}, 2); got != 6*time.Second {
		t.Errorf("makespan = %v, want 6s", got)
	}
	// One slot: in turn, 6 s whatever the contention.
	if got := tp.makespan([]time.Duration{2 * time.Second, 4 * time.Second}, 1); got != 6*time.Second {
		t.Errorf("makespan, one slot = %v, want 6s", got)
	}
}

// A cold app cannot meet a 2 s deadline: all-realtime answers after the
// 10 s cold start (missed); production's router.Decide sees NeverServed,
// expects 1 s + 10 s and refuses with deadline_unmeetable; lower-bound,
// which assumes a warm replica, meets it in 2 s.
func TestColdStartMissesTwoSecondDeadline(t *testing.T) {
	p := handParams()
	s := p.StackSettings()
	s.ColdStart = p.ColdStart
	reqs := []Request{req(0, 0, Interactive, router.ModeAuto, 2*time.Second)}

	out, res := mustRun(t, reqs, AllRealtime, p, s)
	if out[0].Latency != 12*time.Second || res.MissedByClass["interactive"] != 1 {
		t.Errorf("all-realtime: latency %v, interactive missed %d; want 12s and 1", out[0].Latency, res.MissedByClass["interactive"])
	}
	out, _ = mustRun(t, reqs, Production, p, s)
	if out[0].Route != router.RouteReject || out[0].Reason != string(router.ReasonColdStartTooSlow) || out[0].Failure != "rejected_"+router.EDeadlineUnmeetable {
		t.Errorf("production: %+v, want reject cold_start_too_slow deadline_unmeetable", out[0])
	}
	bound, _ := lowerBound(handReplay(t, reqs, p, s))
	if bound[0].Missed(reqs[0]) || bound[0].Latency != 2*time.Second {
		t.Errorf("lower-bound: %+v, want met in 2s", bound[0])
	}
}

// Two batch requests at 0 s and 1 s: the dispatcher cuts one micro-batch at
// 30 s. The formula's first look at pending tasks is the 300 s evaluation,
// which sees the samples of 30–240 s (one minute late): 8 of the window's
// 10, above the 70% guard, all 1 → target 1. The node is ready at 360 s and
// runs the task for 10 s start-up + 2 s: both answered at 372 s. The 600 s
// evaluation sees samples 330–540 s: 1, 1, then six 0s → average 0.25,
// truncated to 0 nodes, so the node goes at 600 s: 300 node-seconds at
// $0.001 = $0.30.
func TestBatchPoolDrivenByStackFormula(t *testing.T) {
	p := handParams()
	reqs := []Request{
		req(0, 0, Deferrable, router.ModeAuto, time.Hour),
		req(1, time.Second, Deferrable, router.ModeAuto, time.Hour),
	}
	out, res := mustRun(t, reqs, AllBatch, p, p.StackSettings())
	if out[0].Latency != 372*time.Second || out[1].Latency != 371*time.Second {
		t.Errorf("latencies %v and %v, want 372s and 371s", out[0].Latency, out[1].Latency)
	}
	if !near(res.CostUSD, 0.3) {
		t.Errorf("cost $%v, want $0.30 (300 node-seconds)", res.CostUSD)
	}
	if res.AutoscaleEvalFailures != 0 {
		t.Errorf("%d failed formula evaluations, want 0", res.AutoscaleEvalFailures)
	}
}

// A micro-batch holds at most MicroBatchMax jobs: 5 jobs with a maximum of 2
// make three tasks; with one node they run one after another.
func TestMicroBatchesRunInOrder(t *testing.T) {
	p := handParams()
	p.MaxNodes, p.MicroBatchMax = 1, 2
	var reqs []Request
	for i := range 5 {
		reqs = append(reqs, req(i, 0, Deferrable, router.ModeAuto, time.Hour))
	}
	out, _ := mustRun(t, reqs, AllBatch, p, p.StackSettings())
	// Tasks of 2, 2 and 1 jobs: each 10 s start-up + 2 s (parallel slots),
	// one after another from 360 s.
	want := []time.Duration{372, 372, 384, 384, 396}
	for i, o := range out {
		if o.Latency != want[i]*time.Second {
			t.Errorf("job %d answered after %v, want %vs", i, o.Latency, want[i])
		}
	}
}

// The production policy turns auto work that may wait into batch jobs once
// realtime is at capacity (one replica, one slot): the first request, sent
// with X-Route: realtime, holds the only slot.
func TestProductionSendsOverflowToBatch(t *testing.T) {
	p := handParams()
	s := p.StackSettings()
	reqs := []Request{
		req(0, 0, Interactive, router.ModeRealtime, time.Hour),
		req(1, 100*time.Millisecond, Deferrable, router.ModeAuto, time.Hour),
	}
	out, _ := mustRun(t, reqs, Production, p, s)
	if out[0].Route != router.RouteRealtime || out[0].Reason != string(router.ReasonForcedRealtime) {
		t.Errorf("first request: %+v, want realtime forced_realtime", out[0])
	}
	if out[1].Route != router.RouteBatch || out[1].Reason != string(router.ReasonRealtimeSaturated) {
		t.Errorf("second request: %+v, want batch for realtime_saturated", out[1])
	}
}

// An X-Route: batch job whose deadline the pool cannot meet (cold: the
// router expects its default 10 minutes, and nodes take 60 s plus a task
// start-up here) runs on the app, which answers it after its 10 s cold
// start; a job with a deadline the pool meets stays on the pool.
func TestProductionExpeditesJobsThePoolWouldFinishLate(t *testing.T) {
	p := handParams()
	s := p.StackSettings()
	s.ColdStart = p.ColdStart
	reqs := []Request{
		req(0, 0, Deferrable, router.ModeBatch, time.Minute),
		req(1, 0, Deferrable, router.ModeBatch, time.Hour),
	}
	out, _ := mustRun(t, reqs, Production, p, s)
	if o := out[0]; o.Reason != string(router.ReasonBatchExpedited) || !o.Answered || o.Latency != 12*time.Second {
		t.Errorf("job with a 1 min deadline: %+v, want expedited, answered after the 10 s cold start and 2 s of model time", o)
	}
	if o := out[1]; o.Reason != string(router.ReasonForcedBatch) || !o.Answered || o.Latency < p.NodeAllocationDelay {
		t.Errorf("job with a 1 h deadline: %+v, want forced_batch, run on the pool", o)
	}
}

// On long-prompt traffic the pool's first start lasts its formula's first
// evaluation and node allocation (10 minutes here) plus micro-batches of
// minutes, as long as their slowest job. Jobs the router sends to batch
// while it waits for that start (minutes 3 to 10, once warm answers show
// how long the slowest jobs take) meet their deadlines. When the router
// assumed the start alone, 2–3% of them were late (24 of 888 on seed 1,
// 15 of 831 on seed 2).
func TestJobsOfThePoolsFirstStartMeetTheirDeadlines(t *testing.T) {
	sh := LongPromptShape()
	sh.Duration = 15 * time.Minute
	p := DefaultParams()
	for seed := uint64(1); seed <= 2; seed++ {
		rows, err := sh.Generate(seed, t0)
		if err != nil {
			t.Fatal(err)
		}
		rp, err := newReplay(oneModel(rows, p), SlowdownRule(seed), Routers{})
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := run(rp, Production)
		if err != nil {
			t.Fatal(err)
		}
		reqs := rp.reqs
		sent, late := 0, 0
		for i, r := range reqs {
			if out[i].Route != router.RouteBatch || r.Arrival < 3*time.Minute || r.Arrival >= 10*time.Minute {
				continue
			}
			sent++
			if out[i].Missed(r) {
				late++
			}
		}
		if sent == 0 || late*100 > sent {
			t.Errorf("seed %d: %d of %d jobs sent to batch in minutes 3–10 were late, want at most 1%%", seed, late, sent)
		}
	}
}

// Issue 30's target on its traffic (docs/simulation.md, robustness runs):
// after the first five minutes production misses no more than 1% of the
// interactive requests in deadlines lower-bound meets. Before the router
// allowed for the pool's runs and for the queue grown ahead of a job, it
// missed 48 (3,789 interactive) and 43 (3,673) on these two hours.
func TestLongPromptTrafficMissesFewAfterTheStartUp(t *testing.T) {
	p := DefaultParams()
	for _, c := range []struct{ trace, rule uint64 }{{1, 1}, {2, 5}} {
		rows, err := LongPromptShape().Generate(c.trace, t0)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Models: oneModel(rows, p), Rule: SlowdownRule(c.rule), Policies: []string{Production}}
		rep, err := Simulate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		interactive := 0
		for _, r := range cfg.Rule.Derive(rows, p.Throughput) {
			if r.Class == Interactive {
				interactive++
			}
		}
		prod := rep.Policies[0]
		if after := prod.MissedMetByLowerBound - prod.MissedMetByLowerBoundStartup; after*100 > interactive {
			t.Errorf("trace seed %d, rule seed %d: %d misses after the start-up that lower-bound meets, more than 1%% of %d interactive requests; by cause: %v",
				c.trace, c.rule, after, interactive, prod.MissedMetByLowerBoundWhy)
		}
	}
}

// lower-bound is a bound: on a slice of the real trace, no policy pays less
// or meets a deadline it misses.
func TestLowerBoundBeatsEveryPolicy(t *testing.T) {
	rows := fixtureRows(t)
	rep, err := Simulate(Config{Models: oneModel(rows, DefaultParams()), Rule: SlowdownRule(7)})
	if err != nil {
		t.Fatal(err)
	}
	reqs := SlowdownRule(7).Derive(rows, DefaultParams().Throughput)
	var bound *PolicyResult
	for i := range rep.Policies {
		if rep.Policies[i].Name == LowerBound {
			bound = &rep.Policies[i]
		}
	}
	if bound == nil || len(rep.Policies) != len(PolicyNames) {
		t.Fatalf("policies %d, lower-bound found %v", len(rep.Policies), bound != nil)
	}
	for _, pr := range rep.Policies {
		if pr.CostUSD < bound.CostUSD {
			t.Errorf("%s costs $%v, less than lower-bound's $%v", pr.Name, pr.CostUSD, bound.CostUSD)
		}
		for i, r := range reqs {
			if bound.outcomes[i].Missed(r) && !pr.outcomes[i].Missed(r) {
				t.Errorf("%s meets request %d's deadline %v, which lower-bound misses", pr.Name, i, r.Deadline)
			}
		}
	}
}

// The same seed gives the same report; another seed other requests.
func TestDeterministicForSeed(t *testing.T) {
	rows := fixtureRows(t)
	cfg := Config{Models: oneModel(rows, DefaultParams()), Rule: SlowdownRule(3)}
	a, err := Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Simulate(cfg)
	for i := range a.Policies {
		if a.Policies[i].CostUSD != b.Policies[i].CostUSD || a.Policies[i].Missed != b.Policies[i].Missed {
			t.Errorf("%s differs between runs with one seed", a.Policies[i].Name)
		}
	}
	x, y := SlowdownRule(3).Derive(rows, DefaultParams().Throughput), SlowdownRule(4).Derive(rows, DefaultParams().Throughput)
	same := 0
	for i := range x {
		if x[i].Deadline == y[i].Deadline {
			same++
		}
	}
	if same == len(x) {
		t.Error("seeds 3 and 4 derived identical deadlines")
	}
}

// The rule's shares hold on the real trace's size: about 30% interactive,
// deadlines within the stated ranges.
func TestRuleShares(t *testing.T) {
	rows := make([]TraceRow, 10000)
	for i := range rows {
		rows[i] = TraceRow{Time: t0.Add(time.Duration(i) * time.Second), ContextTokens: 10, GeneratedTokens: 1}
	}
	r := UniformRule(1)
	n := 0
	for _, q := range r.Derive(rows, DefaultParams().Throughput) {
		lo, hi := r.DeferrableMin, r.DeferrableMax
		if q.Class == Interactive {
			n++
			lo, hi = r.InteractiveMin, r.InteractiveMax
			if q.Mode == router.ModeBatch {
				t.Fatalf("interactive request %d sends X-Route: batch", q.ID)
			}
		} else if q.Mode == router.ModeRealtime {
			t.Fatalf("deferrable request %d sends X-Route: realtime", q.ID)
		}
		if q.Deadline < lo || q.Deadline > hi {
			t.Fatalf("request %d (%s) deadline %v outside %v–%v", q.ID, q.Class, q.Deadline, lo, hi)
		}
	}
	if n < 2800 || n > 3200 {
		t.Errorf("%d of 10000 interactive, want about 3000", n)
	}
}

func TestReadTraceErrors(t *testing.T) {
	for name, in := range map[string]string{
		"missing column": "TIMESTAMP,ContextTokens\n2023-11-16 18:15:46.6805900,374\n",
		"bad number":     "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,x,1\n",
		"out of order":   "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:47,1,1\n2023-11-16 18:15:46,1,1\n",
		"no rows":        "TIMESTAMP,ContextTokens,GeneratedTokens\n",
	} {
		if _, err := ReadTrace(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	rows, err := ReadTrace(strings.NewReader("contexttokens,TIMESTAMP,GeneratedTokens,extra\n374,2023-11-16 18:15:46.6805900,44,z\n"))
	if err != nil || len(rows) != 1 || rows[0].ContextTokens != 374 || rows[0].GeneratedTokens != 44 || rows[0].Time.Nanosecond() != 680590000 {
		t.Errorf("reordered header: %+v, %v", rows, err)
	}
}

// Azure's 2024 week-long traces write an offset, and no fraction on a whole
// second; the times are read as the same instants in UTC.
func TestReadTraceOfAzure2024(t *testing.T) {
	rows, err := ReadTrace(strings.NewReader("TIMESTAMP,ContextTokens,GeneratedTokens\n" +
		"2024-05-10 00:00:00+00:00,4808,10\n2024-05-10 00:00:00.009930+00:00,3180,8\n2024-05-10 02:00:01.5+02:00,110,27\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{
		time.Date(2024, 5, 10, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 5, 10, 0, 0, 0, 9930000, time.UTC),
		time.Date(2024, 5, 10, 0, 0, 1, 500000000, time.UTC),
	}
	for i, r := range rows {
		if !r.Time.Equal(want[i]) || r.Time.Location() != time.UTC {
			t.Errorf("row %d at %v; want %v", i, r.Time, want[i])
		}
	}
}

// The slowdown rule sets an interactive deadline from the request's own
// work: between 1.25× and 5× its warm service time, plus the allowance;
// short requests get sub-2 s deadlines, so the recipe's threshold has
// requests to act on.
func TestSlowdownRuleScalesWithTheWork(t *testing.T) {
	tp := DefaultParams().Throughput
	rows := make([]TraceRow, 5000)
	for i := range rows {
		rows[i] = TraceRow{Time: t0.Add(time.Duration(i) * time.Second), ContextTokens: 40 + 400*(i%5), GeneratedTokens: 5 + 60*(i%7)}
	}
	r := SlowdownRule(1)
	sub2, inter := 0, 0
	for _, q := range r.Derive(rows, tp) {
		if q.Class != Interactive {
			if q.Deadline < r.DeferrableMin || q.Deadline > r.DeferrableMax {
				t.Fatalf("deferrable request %d deadline %v outside %v–%v", q.ID, q.Deadline, r.DeferrableMin, r.DeferrableMax)
			}
			continue
		}
		inter++
		svc := tp.ServiceTime(q.ContextTokens, q.GeneratedTokens)
		lo := time.Duration(1.25*float64(svc)) + r.Allowance - time.Millisecond
		hi := 5*svc + r.Allowance + time.Millisecond
		if q.Deadline < lo || q.Deadline > hi {
			t.Fatalf("request %d: service %v, deadline %v outside %v–%v", q.ID, svc, q.Deadline, lo, hi)
		}
		if q.Deadline <= RecipeThresholdValue {
			sub2++
		}
	}
	if inter == 0 || sub2 == 0 || sub2 == inter {
		t.Fatalf("%d interactive, %d with deadlines ≤ 2 s: want some but not all", inter, sub2)
	}
}

// The recipe's rule, faithfully: X-Deadline-Ms ≤ 2000 → realtime, else
// batch, whatever X-Route says and whatever it costs.
func TestRecipeThresholdIsTheStaticRule(t *testing.T) {
	p := handParams()
	reqs := []Request{
		req(0, 0, Interactive, router.ModeAuto, 2000*time.Millisecond),
		req(1, 0, Interactive, router.ModeAuto, 2001*time.Millisecond),
		req(2, 0, Deferrable, router.ModeBatch, 1500*time.Millisecond),
		req(3, 0, Interactive, router.ModeRealtime, time.Hour),
	}
	out, _ := mustRun(t, reqs, RecipeThreshold, p, p.StackSettings())
	want := []router.Route{router.RouteRealtime, router.RouteBatch, router.RouteRealtime, router.RouteBatch}
	for i, o := range out {
		if o.Route != want[i] {
			t.Errorf("request %d (deadline %v, %s): route %s, want %s", i, reqs[i].Deadline, reqs[i].Mode, o.Route, want[i])
		}
	}
}

// A miss in the start-up window is counted as such: lower-bound never pays
// the cold start that the first requests wait for.
func TestStartupMissesAreCountedApart(t *testing.T) {
	p := handParams()
	reqs := []Request{
		req(0, 0, Interactive, router.ModeRealtime, 3*time.Second),
		req(1, StartupWindow+time.Minute, Interactive, router.ModeRealtime, 3*time.Second),
	}
	rp := handReplay(t, reqs, p, p.StackSettings())
	out, _, err := run(rp, AllRealtime)
	if err != nil {
		t.Fatal(err)
	}
	res := summarize(AllRealtime, reqs, nil, out, usage{})
	bound, _ := lowerBound(rp)
	res.compareToBound(reqs, nil, bound)
	// Both wait for a cold start (the replica is gone after 60 s idle).
	if res.MissedMetByLowerBound != 2 || res.MissedMetByLowerBoundStartup != 1 {
		t.Fatalf("missed that lower-bound meets %d, in start-up %d; want 2 and 1", res.MissedMetByLowerBound, res.MissedMetByLowerBoundStartup)
	}
}

// openai-api callers never get a job for a chat completion (the front door
// decides it as X-Route: realtime, so an interactive request that production
// would turn into a job is refused instead) and their Batch API lines always
// queue, whatever X-Route the rule drew.
func TestOpenAIAPIRoutesByEndpoint(t *testing.T) {
	rows := fixtureRows(t)
	cfg := Config{Models: oneModel(rows, DefaultParams()), Rule: SlowdownRule(7), Policies: []string{Production, OpenAIAPI}}
	rep, err := Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reqs := cfg.Rule.Derive(rows, DefaultParams().Throughput)
	prod, api := rep.Policies[0], rep.Policies[1]
	prodBatchedInteractive := 0
	for i, r := range reqs {
		o := api.outcomes[i]
		switch {
		case r.Class == Interactive && o.Route == router.RouteBatch:
			t.Fatalf("interactive request %d became a job under %s: %+v", i, OpenAIAPI, o)
		case r.Class == Deferrable && o.Route != router.RouteBatch && o.Route != router.RouteReject:
			t.Fatalf("deferrable request %d ran %s under %s; Batch API lines only queue", i, o.Route, OpenAIAPI)
		}
		if r.Class == Interactive && prod.outcomes[i].Route == router.RouteBatch {
			prodBatchedInteractive++
		}
	}
	t.Logf("interactive requests production turned into jobs: %d", prodBatchedInteractive)
	// A cold refusal wakes the app, so the requests that come once its cold
	// start is over find it warm; during that start the router knows a
	// replica is on its way and refuses only what the rest of the start
	// makes late. A front door that did not wake it refused 73 of these 90
	// requests.
	first, after := time.Duration(-1), 0
	for i, r := range reqs {
		if api.outcomes[i].Reason != string(router.ReasonColdStartTooSlow) {
			continue
		}
		if first < 0 {
			first = r.Arrival
		}
		if r.Arrival > first+DefaultParams().ColdStart {
			after++
		}
	}
	if after > 5 {
		t.Errorf("%d requests refused as cold_start_too_slow after the wake's cold start; the first refusal should wake the app", after)
	}
}
