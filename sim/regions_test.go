package sim

import (
	"maps"
	"math"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// handRegions is a replay by hand of regions serving one model, each with
// its params: a request's Model is its region's index.
func handRegions(t *testing.T, reqs []Request, names []string, params ...Params) *replay {
	t.Helper()
	rp := &replay{reqs: reqs, start: t0, seed: 1, roundTrip: DefaultRoundTrip, byModel: make([][]int, len(params))}
	for i, p := range params {
		m := Model{Name: "model", Params: p, Settings: p.StackSettings()}
		specs, err := catalogSpecs([]Model{m})
		if err != nil {
			t.Fatal(err)
		}
		rp.models = append(rp.models, m)
		// ids not nil: a region may receive nothing here, which is not
		// every request.
		rp.regions = append(rp.regions, replayRegion{name: names[i], models: []int{i}, specs: specs, ids: []int{}})
	}
	for _, r := range reqs {
		rp.byModel[r.Model] = append(rp.byModel[r.Model], r.ID)
		rp.regions[r.Model].ids = append(rp.regions[r.Model].ids, r.ID)
	}
	return rp
}

// replayRegions replays rp under production, with the figures of each
// region.
func replayRegions(t *testing.T, rp *replay) PolicyResult {
	t.Helper()
	bound, boundTot := lowerBound(rp)
	res, err := replayPolicy(rp, Production, bound, boundTot)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A region whose app is cold refuses realtime requests whose deadline is
// shorter than a cold start. With spill-over it offers them to its peer,
// whose warm replica answers them: the caller waits the model time and the
// round trip. Without, it keeps them (and misses them), and wakes its app.
// Its job (X-Route: batch) stays home either way. Each run's regions add
// up to its total.
func TestAColdRegionSpillsOverToAWarmPeer(t *testing.T) {
	cold, warm := handParams(), handParams()
	warm.MinReplicas = 1
	home := func(id int, at time.Duration, mode router.Mode, deadline time.Duration) Request {
		return req(id, at, Interactive, mode, deadline)
	}
	reqs := []Request{
		home(0, 0, router.ModeRealtime, 3*time.Second),
		home(1, 5*time.Second, router.ModeAuto, 3*time.Second),
		home(2, 6*time.Second, router.ModeBatch, time.Hour),
	}
	reqs[2].Class = Deferrable
	rp := handRegions(t, reqs, []string{"home", "peer"}, cold, warm)
	alone, spilled := replayRegions(t, rp), replayRegions(t, rp.withSpillover())

	if alone.Missed != 2 || alone.outcomes[0].Offered || alone.Regions[0].Spill != nil {
		t.Errorf("isolated: %d missed, first request offered %v, spill figures %+v; want the two realtime requests refused at home, nothing offered",
			alone.Missed, alone.outcomes[0].Offered, alone.Regions[0].Spill)
	}
	if alone.Regions[0].GPUHours["realtime"] == 0 {
		t.Errorf("isolated: the home app never started; its cold refusal wakes it")
	}
	for id := range 2 {
		o := spilled.outcomes[id]
		if !o.Offered || o.Peer != "peer" || !o.Answered || o.Latency != 2*time.Second+DefaultRoundTrip || o.Reason != string(router.ReasonSpilledToPeer) {
			t.Errorf("spill-over: request %d %+v; want offered, answered by the peer after 2 s and the %v round trip", id, o, DefaultRoundTrip)
		}
	}
	if o := spilled.outcomes[2]; o.Offered || o.Peer != "" || o.Route != router.RouteBatch || !o.Answered {
		t.Errorf("spill-over: the job %+v; want it on the home pool", o)
	}
	if h := spilled.Regions[0].GPUHours["realtime"]; h != 0 {
		t.Errorf("spill-over: the home app ran %v hours; a peer took its refusals, so nothing woke it", h)
	}
	want := SpillResult{OfferedToPeers: 2, TakenByPeers: 2}
	if s := spilled.Regions[0].Spill; s == nil || *s != want {
		t.Errorf("spill-over: home's spill %+v, want %+v", s, want)
	}
	want = SpillResult{AnsweredForPeers: 2, AnsweredForPeersInTime: 2}
	if s := spilled.Regions[1].Spill; s == nil || *s != want {
		t.Errorf("spill-over: peer's spill %+v, want %+v", s, want)
	}
	if spilled.Missed != 0 {
		t.Errorf("spill-over: %d missed, want 0", spilled.Missed)
	}
	for _, res := range []PolicyResult{alone, spilled} {
		cost, missed, n := 0.0, 0, 0
		for _, r := range res.Regions {
			cost, missed, n = cost+r.CostUSD, missed+r.Missed, n+r.Routes["realtime"]+r.Routes["batch"]+r.Routes["reject"]
		}
		if math.Abs(cost-res.CostUSD) > 1e-3 || missed != res.Missed || n != len(reqs) {
			t.Errorf("spill-over %v: regions add up to $%v, %d missed, %d requests; the total is $%v, %d missed, %d requests",
				res.Spillover, cost, missed, n, res.CostUSD, res.Missed, len(reqs))
		}
	}
}

// A peer's refusal sends the request on to the next peer with the deadline
// left, never back to the region that refused it: a cold home's request
// offered to a cold peer, which refuses it (and does not wake), is answered
// by the third, warm region after two round trips. When every peer refuses,
// the home region's own refusal stands.
func TestPeersAreOfferedARefusalInTurn(t *testing.T) {
	cold, warm := handParams(), handParams()
	warm.MinReplicas = 1
	reqs := []Request{req(0, 0, Interactive, router.ModeRealtime, 3*time.Second)}
	res := replayRegions(t, handRegions(t, reqs, []string{"home", "cold", "warm"}, cold, cold, warm).withSpillover())
	if o := res.outcomes[0]; o.Peer != "warm" || !o.Answered || o.Latency != 2*time.Second+2*DefaultRoundTrip {
		t.Errorf("%+v; want answered by the warm region after 2 s and two round trips", o)
	}
	if h := res.Regions[1].GPUHours["realtime"]; h != 0 {
		t.Errorf("the cold peer's app ran %v hours; a request another region sent wakes nothing", h)
	}

	res = replayRegions(t, handRegions(t, reqs, []string{"home", "cold"}, cold, cold).withSpillover())
	if o := res.outcomes[0]; !o.Offered || o.Peer != "" || o.Failure != "rejected_"+router.EDeadlineUnmeetable || o.Reason != string(router.ReasonColdStartTooSlow) {
		t.Errorf("%+v; want the home region's refusal, cold_start_too_slow", o)
	}
	if res.Regions[0].GPUHours["realtime"] == 0 || res.Regions[1].GPUHours["realtime"] != 0 {
		t.Errorf("realtime hours %v at home, %v at the peer; want the home app woken by its refusal, the peer's not",
			res.Regions[0].GPUHours["realtime"], res.Regions[1].GPUHours["realtime"])
	}
}

// Isolated regions share nothing: the first region of a two-region replay
// has the figures of its trace replayed alone, under every policy (its
// callers, apps, pool and router are its own). And a region whose traffic
// starts later starts as a replay does, at its own first instant: the
// second region's figures are the same whether its traffic starts with the
// first's or ten minutes later (a multiple of every periodic duty's
// interval), its start-up being its own first five minutes. Its app idles
// those ten minutes, far beyond its cooldown: the wake its first cold
// refusal sends holds the replica it starts, as at once.
func TestAnIsolatedRegionReplaysAsItsTraceAlone(t *testing.T) {
	m := oneModel(firstMinutes(shippedTrace(t), 10*time.Minute), DefaultParams())[0]
	isolated := func(cfg Config) []PolicyResult {
		rep, err := Simulate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var out []PolicyResult
		for _, r := range rep.Policies {
			if !r.Spillover {
				out = append(out, r)
			}
		}
		return out
	}
	rule := SlowdownRule(1)
	alone := isolated(Config{Models: []Model{m}, Rule: rule})
	later := isolated(Config{Regions: []Region{{Name: "a", Model: m}, {Name: "b", Model: m, Shift: 10 * time.Minute}}, RoundTrip: DefaultRoundTrip, Rule: rule})
	together := isolated(Config{Regions: []Region{{Name: "a", Model: m}, {Name: "b", Model: m}}, RoundTrip: DefaultRoundTrip, Rule: rule})
	same := func(what string, x, y PolicyResult) {
		if x.Name != y.Name || x.CostUSD != y.CostUSD || x.Missed != y.Missed || x.MissedInStartup != y.MissedInStartup || x.MissedMetByLowerBound != y.MissedMetByLowerBound ||
			!maps.Equal(x.P50, y.P50) || !maps.Equal(x.P99, y.P99) {
			t.Errorf("%s, %s: $%v, %d missed (%d in the start-up, %d lower-bound meets), p99 %v; want $%v, %d (%d, %d), p99 %v", what, y.Name,
				x.CostUSD, x.Missed, x.MissedInStartup, x.MissedMetByLowerBound, x.P99, y.CostUSD, y.Missed, y.MissedInStartup, y.MissedMetByLowerBound, y.P99)
		}
	}
	for i := range alone {
		same("region a against its trace alone", later[i].Regions[0], alone[i])
		same("region b ten minutes later against b with a", later[i].Regions[1], together[i].Regions[1])
	}
}
