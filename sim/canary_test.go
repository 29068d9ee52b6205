package sim

import (
	"container/heap"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// firstMinutes are the rows of the trace's first d.
func firstMinutes(rows []TraceRow, d time.Duration) []TraceRow {
	for i, r := range rows {
		if r.Time.Sub(rows[0].Time) >= d {
			return rows[:i]
		}
	}
	return rows
}

// withCanary replays rows under production with canary c on the one model.
func withCanary(t *testing.T, rows []TraceRow, c Canary, routers Routers) CanaryResult {
	t.Helper()
	ms := oneModel(rows, DefaultParams())
	ms[0].Canary = &c
	rep, err := Simulate(Config{Models: ms, Rule: SlowdownRule(1), Policies: []string{Production}, Routers: routers})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rep.Policies[0].Canaries); n != 1 {
		t.Fatalf("%d canary results, want 1", n)
	}
	return rep.Policies[0].Canaries[0]
}

// A canary failing half its answers at 10% of the traffic is rolled back by
// the router's analysis once it has its minimum of requests in the window;
// its failed answers were sent again to stable, which answered most in
// time; after the rollback no request goes to it.
func TestFailingCanaryIsRolledBackAndItsFailuresRetried(t *testing.T) {
	rows := firstMinutes(shippedTrace(t), 15*time.Minute)
	c := withCanary(t, rows, Canary{Weight: 10, Slower: 1, FailShare: 0.5, Rollback: DefaultRollback()}, Routers{})
	if c.RolledBackS <= 0 || c.Verdict == nil || !c.Verdict.RollBack || c.Verdict.Requests < c.Rollback.MinRequests {
		t.Fatalf("not rolled back on enough evidence: %+v", c)
	}
	if c.FailedCalls == 0 || c.Retried != c.FailedCalls || 2*c.RetriedInTime <= c.Retried {
		t.Errorf("%d failed answers, %d retried on stable, %d of them answered in time; want every one retried, most in time", c.FailedCalls, c.Retried, c.RetriedInTime)
	}
	if c.RequestsAfter != 0 || c.Requests == 0 {
		t.Errorf("%d requests went to the canary, %d after its rollback; one router puts it out at once", c.Requests, c.RequestsAfter)
	}
}

// The analysis judges the canary against its thresholds on the fleet's
// evidence: a canary as good as stable stays; a slower one is rolled back;
// a failing one behind three routers is rolled back only when they share
// their windows (each alone sees a third of its requests, below the
// minimum), and then every replica has it out within a sync.
func TestCanaryVerdicts(t *testing.T) {
	rows := firstMinutes(shippedTrace(t), 15*time.Minute)
	canary := func(slower, fail float64) Canary {
		return Canary{Weight: 10, Slower: slower, FailShare: fail, Rollback: DefaultRollback()}
	}
	for _, tc := range []struct {
		name    string
		canary  Canary
		routers Routers
		back    bool
	}{
		{"as good as stable", canary(1, 0), Routers{}, false},
		{"1.5x slower", canary(1.5, 0), Routers{}, true},
		{"failing, three routers alone", canary(1, 0.5), Routers{Replicas: 3}, false},
		{"failing, three routers sharing", canary(1, 0.5), Routers{Replicas: 3, Sync: time.Second}, true},
	} {
		c := withCanary(t, rows, tc.canary, tc.routers)
		if back := c.RolledBackS >= 0; back != tc.back {
			t.Errorf("%s: rolled back %v (at %gs: %s), want %v", tc.name, back, c.RolledBackS, c.Reason, tc.back)
		}
		if tc.back && tc.routers.shared() && c.AllReplicasS-c.RolledBackS > tc.routers.Sync.Seconds() {
			t.Errorf("%s: rolled back at %gs, out of every replica's split at %gs: more than a sync later", tc.name, c.RolledBackS, c.AllReplicasS)
		}
	}
}

// Jobs pinned to a canary that is rolled back before their micro-batch is
// cut run on stable, as the router's dispatcher runs them
// (models.Deployment.RunsOn): a canary failing every batch line fails none
// of them.
func TestARolledBackCanarysQueuedJobsRunOnStable(t *testing.T) {
	p := handParams()
	s := p.StackSettings()
	reqs := []Request{req(0, 0, Deferrable, router.ModeBatch, time.Hour), req(1, 0, Deferrable, router.ModeBatch, time.Hour)}
	rp := handReplay(t, reqs, p, s)
	rp.models[0].Canary = &Canary{Weight: 50, Slower: 1, FailShare: 1, Rollback: DefaultRollback()}
	specs, err := catalogSpecs(rp.models)
	if err != nil {
		t.Fatal(err)
	}
	rp.regions[0].specs = specs
	e, err := newEngine(rp, Production)
	if err != nil {
		t.Fatal(err)
	}
	// The jobs are queued by hand, pinned to the canary, not by their
	// arrival.
	kept := e.q[:0]
	for _, ev := range e.q {
		if ev.kind != evArrival {
			kept = append(kept, ev)
		}
	}
	e.q = kept
	heap.Init(&e.q)
	b := e.pools[0]
	for i := range reqs {
		b.submit(&e.reqs[i], 1)
	}
	prod := e.regions[0].prod
	if !prod.fleet.replicas[0].cat.All()[0].RollBack(CanaryRevision, "test") {
		t.Fatal("canary not rolled back")
	}
	e.loop()
	for i, o := range e.out {
		if !o.Answered {
			t.Errorf("job %d pinned to the rolled-back canary: %+v; want answered by stable", i, o)
		}
	}
}
