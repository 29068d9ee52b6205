package live

import (
	"math"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Two replicas that share what they know see the fleet as one router does.
func TestSnapshotMergesThePeersShares(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var a, b, one Tracker // one: a single router with both replicas' traffic
	for i := range 3 {
		at := t0.Add(time.Duration(i) * time.Second)
		b.Begin(at)
		b.BeginUrgent(at)
		b.UrgentArrival(at)
		one.Begin(at)
		one.BeginUrgent(at)
		one.UrgentArrival(at)
	}
	a.Begin(t0)
	one.Begin(t0)
	for i := range 20 {
		b.model.observe(int64(1024*i), 2*time.Second+time.Duration(i)*100*time.Millisecond)
	}
	b.ObserveBatch(t0, 4*time.Minute)

	now := t0.Add(3 * time.Second)
	a.SetPeers([]Share{b.Share(now, time.Second)})
	st := a.Snapshot(now)
	want := one.Snapshot(now)
	if st.InFlight != 4 || st.UrgentInFlight != 3 || st.PeakInFlight != want.PeakInFlight || st.UrgentPeakInFlight != 3 {
		t.Errorf("in flight %d (urgent %d), peaks %d/%d; want 4 (3), %d/3 as one router", st.InFlight, st.UrgentInFlight, st.PeakInFlight, st.UrgentPeakInFlight, want.PeakInFlight)
	}
	if math.Abs(st.UrgentRate-want.UrgentRate) > 1e-9 || st.SinceUrgent != want.SinceUrgent {
		t.Errorf("urgent rate %g since %s; one router %g since %s", st.UrgentRate, st.SinceUrgent, want.UrgentRate, want.SinceUrgent)
	}
	if st.RealtimeLatency == 0 || st.RealtimeLatency != b.Snapshot(now).RealtimeLatency {
		t.Errorf("model time %s: want the peer's fit (%s), this replica has none", st.RealtimeLatency, b.Snapshot(now).RealtimeLatency)
	}
	if st.BatchETA != 4*time.Minute || st.BatchIdle != 3*time.Second {
		t.Errorf("batch ETA %s idle %s: want the dispatcher replica's 4m0s and 3s", st.BatchETA, st.BatchIdle)
	}

	// A dead replica's share stops counting within seconds.
	later := now.Add(Stale(time.Second) + time.Millisecond)
	if st := a.Snapshot(later); st.InFlight != 1 || st.RealtimeLatency != 0 {
		t.Errorf("a stale share still counts: in flight %d, model time %s", st.InFlight, st.RealtimeLatency)
	}
}

// A cold start one replica began is under way for all; an answer any
// replica gets ends it.
func TestColdStartIsSharedAndEndedByAnyAnswer(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var a, b Tracker
	b.Begin(t0)
	b.BeginCold(t0, true)
	now := t0.Add(10 * time.Second)
	a.SetPeers([]Share{b.Share(now, time.Second)})
	if st := a.Snapshot(now); !st.ColdStarting || st.ColdStartingFor != 10*time.Second {
		t.Fatalf("a peer's cold start: starting %v for %s; want true for 10s", st.ColdStarting, st.ColdStartingFor)
	}
	a.Begin(now)
	a.BeginCold(now, false)
	if st := a.Snapshot(now); st.ColdStartingFor != 10*time.Second {
		t.Fatalf("joined the peer's start: for %s, want 10s (the earliest)", st.ColdStartingFor)
	}
	b.End(now.Add(time.Second), 11*time.Second, 10, AnsweredCold)
	later := now.Add(2 * time.Second)
	a.SetPeers([]Share{b.Share(later, time.Second)})
	if st := a.Snapshot(later); st.ColdStarting || st.Idle != time.Second {
		t.Fatalf("after the peer's answer: starting %v, idle %s; want warm, idle 1s", st.ColdStarting, st.Idle)
	}
}

func TestShareOfAnIdleTrackerIsEmpty(t *testing.T) {
	var a Tracker
	s := a.Share(time.Unix(1_700_000_000, 0), time.Second)
	if s.InFlight != 0 || len(s.Peaks) != 0 || s.LastServed != 0 || s.Answers != 0 {
		t.Fatalf("idle share %+v", s)
	}
	if st := a.Snapshot(time.Unix(1_700_000_000, 0)); st.Idle != router.NeverServed {
		t.Fatalf("idle %s", st.Idle)
	}
}

// Before any replica has a quantile of its fast answers (100 answers), the
// fleet's fast margin is its fastest answer's, as one router's would be —
// not the average of what each replica's few answers show, which is less
// extreme and refuses short requests one router would try.
func TestFleetFastMarginBeforeQuantilesIsTheFastestAnswer(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var replicas [10]Tracker
	for i := range replicas {
		for j := range 5 {
			// Answers of 2 s, and one replica's last one much faster.
			took := 2 * time.Second
			if i == 3 && j == 4 {
				took = 400 * time.Millisecond
			}
			replicas[i].model.observe(1024, took)
		}
	}
	var shares []Share
	fastest := time.Duration(0)
	for i := 1; i < len(replicas); i++ {
		shares = append(shares, replicas[i].Share(now, time.Second))
		_, _, fast, _ := replicas[i].model.fit()
		fastest = max(fastest, fast)
	}
	replicas[0].SetPeers(shares)
	if got := replicas[0].Snapshot(now).RealtimeFastBy; got != fastest || fastest == 0 {
		t.Fatalf("fleet fast margin %s, want the fastest answer's %s", got, fastest)
	}
}
