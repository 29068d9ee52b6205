package live_test

import (
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

func TestTrackerWarmthFollowsTraffic(t *testing.T) {
	s := router.DefaultSettings()
	var tr live.Tracker
	t0 := time.Unix(1_000_000, 0)
	if st := tr.Snapshot(t0); st.Idle != router.NeverServed || st.Warm(s) {
		t.Fatalf("a router that never served thinks the app is warm: %+v", st)
	}
	tr.Begin(t0)
	if st := tr.Snapshot(t0.Add(time.Hour)); st.InFlight != 1 || !st.Warm(s) {
		t.Fatalf("a request in flight must keep the app warm: %+v", st)
	}
	tr.End(t0.Add(2*time.Second), 2*time.Second, true)
	if st := tr.Snapshot(t0.Add(2*time.Second + s.ScaleDownDelay - time.Second)); !st.Warm(s) || st.RealtimeLatency != 2*time.Second {
		t.Fatalf("within the scale-down delay: %+v", st)
	}
	if st := tr.Snapshot(t0.Add(2*time.Second + s.ScaleDownDelay)); st.Warm(s) {
		t.Fatalf("past the scale-down delay the app must be cold: %+v", st)
	}
}

func TestTrackerLatencyIgnoresFailures(t *testing.T) {
	var tr live.Tracker
	now := time.Now()
	tr.Begin(now)
	tr.End(now, time.Second, true)
	tr.Begin(now)
	tr.End(now, time.Minute, false) // a timeout says nothing about model time
	if got := tr.Snapshot(now).RealtimeLatency; got != time.Second {
		t.Fatalf("latency %s after a failure, want 1s", got)
	}
	tr.Begin(now)
	tr.End(now, 2*time.Second, true)
	if got := tr.Snapshot(now).RealtimeLatency; got <= time.Second || got >= 2*time.Second {
		t.Fatalf("moving average %s, want between 1s and 2s", got)
	}
}

func TestTrackerQueueHealth(t *testing.T) {
	var tr live.Tracker
	tr.SetBatchDown(true)
	if !tr.Snapshot(time.Now()).BatchDown {
		t.Fatal("queue failure not recorded")
	}
	tr.SetQueueDepth(7)
	if st := tr.Snapshot(time.Now()); st.BatchDown || st.QueueDepth != 7 {
		t.Fatalf("a good depth reading must clear the failure: %+v", st)
	}
}
