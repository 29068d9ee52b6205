package sim

import (
	"math"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

// shippedTrace is the repository's conversation trace, whole.
func shippedTrace(t *testing.T) []TraceRow {
	return traceFile(t, "../testdata/traces/AzureLLMInferenceTrace_conv.csv")
}

// production replays rows under the production router as routers.
func productionOn(t *testing.T, rows []TraceRow, seed uint64, routers Routers) PolicyResult {
	t.Helper()
	rep, err := Simulate(Config{Models: oneModel(rows, DefaultParams()), Rule: SlowdownRule(seed), Policies: []string{Production}, Routers: routers})
	if err != nil {
		t.Fatal(err)
	}
	return rep.Policies[0]
}

// Issue 26's target: three router replicas that share their live state
// every second and lead their once-only duties from one of them cost and
// miss within 5% of one router on the shipped trace; each alone, they do
// not (their trackers see a third of the load, each keeps the app warm and
// gathers its own micro-batches). The whole trace is used because on a
// slice of its first minutes the start-up dominates and replicas alone come
// out within 5%, even cheaper; it replays in a fraction of a second.
func TestSharingKeepsThreeRoutersWithinFivePercentOfOne(t *testing.T) {
	rows := shippedTrace(t)
	within := func(a, b float64) bool { return math.Abs(a-b) <= 0.05*b }
	for _, seed := range []uint64{1, 2} {
		one := productionOn(t, rows, seed, Routers{})
		shared := productionOn(t, rows, seed, Routers{Replicas: 3, Sync: time.Second})
		alone := productionOn(t, rows, seed, Routers{Replicas: 3})
		if !within(shared.CostUSD, one.CostUSD) || !within(float64(shared.Missed), float64(one.Missed)) {
			t.Errorf("seed %d: 3 sharing routers $%.2f, %d missed; one router $%.2f, %d: more than 5%% apart",
				seed, shared.CostUSD, shared.Missed, one.CostUSD, one.Missed)
		}
		if within(alone.CostUSD, one.CostUSD) && within(float64(alone.Missed), float64(one.Missed)) {
			t.Errorf("seed %d: 3 routers each alone $%.2f, %d missed, within 5%% of one router's $%.2f, %d: the replay no longer shows what sharing is for",
				seed, alone.CostUSD, alone.Missed, one.CostUSD, one.Missed)
		}
	}
}

// fleetEngine is a production engine over the fixture with these routers,
// nothing run yet.
func fleetEngine(t *testing.T, routers Routers) *engine {
	t.Helper()
	rp, err := newReplay(oneModel(fixtureRows(t), DefaultParams()), SlowdownRule(1), routers)
	if err != nil {
		t.Fatal(err)
	}
	e, err := newEngine(rp, Production)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A replica sees another's traffic as of that replica's last publication:
// a request in flight there shows here only once it was published and read,
// and still shows after it ended until the next publication is read.
func TestAReplicaSeesAPeersShareAsOfItsLastPublication(t *testing.T) {
	e := fleetEngine(t, Routers{Replicas: 2, Sync: time.Second})
	p := e.regions[0].prod
	here, there := p.fleet.revision(0, 0, 0).Tracker, p.fleet.revision(1, 0, 0).Tracker
	inFlight := func(at time.Duration) int {
		e.now = at
		return here.Snapshot(e.wall()).InFlight
	}
	there.Begin(e.wall())
	p.sync(0)
	if n := inFlight(0); n != 0 {
		t.Errorf("in flight %d before the peer published, want 0", n)
	}
	e.now = 500 * time.Millisecond
	p.sync(1)
	if n := inFlight(600 * time.Millisecond); n != 0 {
		t.Errorf("in flight %d after the peer published but before this replica read, want 0", n)
	}
	there.End(e.wall(), 600*time.Millisecond, 100, live.AnsweredWarm)
	p.sync(0)
	if n := inFlight(900 * time.Millisecond); n != 1 {
		t.Errorf("in flight %d after reading the peer's share of 500 ms, want its 1 (ended since, not yet published)", n)
	}
	e.now = 1500 * time.Millisecond
	p.sync(1)
	e.now = 2 * time.Second
	p.sync(0)
	if n := inFlight(2 * time.Second); n != 0 {
		t.Errorf("in flight %d after the peer's next publication, want 0", n)
	}
}

// In a sharing fleet one replica runs the dispatcher — every job's time
// is its trackers' — and keep-warm; alone, every replica runs its own
// dispatcher (taking the work queue's messages in turn) and keep-warm.
func TestTheLeaderRunsTheDispatcherAndKeepWarm(t *testing.T) {
	for _, c := range []struct {
		routers Routers
		leaders int
	}{
		{Routers{Replicas: 3, Sync: time.Second}, 1},
		{Routers{Replicas: 3}, 3},
	} {
		e := fleetEngine(t, c.routers)
		kw := 0
		for _, ev := range e.q {
			if ev.kind == evKeepWarm {
				kw++
			}
		}
		e.loop()
		measured := 0
		for i := range e.regions[0].prod.fleet.replicas {
			// Its own share: its snapshot holds the leader's times too.
			if e.regions[0].prod.fleet.revision(i, 0, 0).Tracker.Share(e.wall(), time.Second).LastBatch != 0 {
				measured++
			}
		}
		if measured != c.leaders || kw != c.leaders {
			t.Errorf("%+v: %d replicas measured batch times and %d run keep-warm; want %d", c.routers, measured, kw, c.leaders)
		}
	}
}
