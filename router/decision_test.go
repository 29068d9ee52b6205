package router_test

import (
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

func testSettings() router.Settings {
	s := router.DefaultSettings()
	s.RealtimeThreshold = 2 * time.Second
	s.BatchCostThreshold = 0.01
	s.MaxACAReplicas = 2
	s.ReplicaConcurrency = 4
	s.ColdStart = 60 * time.Second
	s.ScaleDownDelay = 300 * time.Second
	s.RealtimeLatency = time.Second
	s.BatchLatency = 10 * time.Minute
	s.RealtimePricePerSecond = 0.0001
	s.BatchPricePerSecond = 0.00003
	s.MaxQueueDepth = 1000
	s.MaxRealtimeBytes = 1 << 20
	return s
}

var (
	warm = router.State{Idle: 10 * time.Second}
	cold = router.State{Idle: router.NeverServed}
	// sized is warm with a learned size model: 0.5 s plus 0.5 s per KiB.
	sized = router.State{Idle: time.Second, RealtimeLatency: 500 * time.Millisecond, RealtimePerKiB: 500 * time.Millisecond}
	// spread is warm; answers average 2 s, the fastest tenth 0.5 s.
	spread = router.State{Idle: time.Second, RealtimeLatency: 2 * time.Second, RealtimeFastBy: 1500 * time.Millisecond}
)

func TestDecide(t *testing.T) {
	s := testSettings()
	sec := time.Second
	tests := []struct {
		name   string
		req    router.Request
		state  router.State
		route  router.Route
		reason router.Reason
		code   string
	}{
		{"forced batch", router.Request{Mode: router.ModeBatch}, warm, router.RouteBatch, router.ReasonForcedBatch, ""},
		{"forced batch, the pool's slow tail misses the deadline, the warm app meets it: expedited", router.Request{Mode: router.ModeBatch, Deadline: 5 * time.Minute}, warm, router.RouteBatch, router.ReasonBatchExpedited, ""},
		{"forced batch, the pool's slow tail meets the deadline", router.Request{Mode: router.ModeBatch, Deadline: 5 * time.Minute}, router.State{Idle: sec, BatchETA: 2 * time.Minute, BatchSlowETA: 4 * time.Minute}, router.RouteBatch, router.ReasonForcedBatch, ""},
		{"forced batch, neither meets the deadline: the pool, late", router.Request{Mode: router.ModeBatch, Deadline: 30 * sec}, cold, router.RouteBatch, router.ReasonForcedBatch, ""},
		{"forced batch, queue down", router.Request{Mode: router.ModeBatch}, router.State{BatchDown: true}, router.RouteReject, router.ReasonQueueDown, router.EUnavailable},
		{"forced batch, queue full", router.Request{Mode: router.ModeBatch}, router.State{QueueDepth: 1000}, router.RouteReject, router.ReasonQueueFull, router.EOverloaded},
		{"forced realtime, warm", router.Request{Mode: router.ModeRealtime, Deadline: 5 * sec}, warm, router.RouteRealtime, router.ReasonForcedRealtime, ""},
		{"forced realtime, cold, no deadline", router.Request{Mode: router.ModeRealtime}, cold, router.RouteRealtime, router.ReasonForcedRealtime, ""},
		{"forced realtime, cold start misses deadline", router.Request{Mode: router.ModeRealtime, Deadline: 5 * sec}, cold, router.RouteReject, router.ReasonColdStartTooSlow, router.EDeadlineUnmeetable},
		{"forced realtime, cold start meets long deadline", router.Request{Mode: router.ModeRealtime, Deadline: 90 * sec}, cold, router.RouteRealtime, router.ReasonForcedRealtime, ""},
		{"forced realtime, even warm misses deadline", router.Request{Mode: router.ModeRealtime, Deadline: 500 * time.Millisecond}, warm, router.RouteReject, router.ReasonDeadlineTooShort, router.EDeadlineUnmeetable},
		{"forced realtime, saturated", router.Request{Mode: router.ModeRealtime}, router.State{InFlight: 8}, router.RouteReject, router.ReasonRealtimeSaturated, router.EOverloaded},
		{"forced realtime, too large", router.Request{Mode: router.ModeRealtime, Size: 2 << 20}, warm, router.RouteReject, router.ReasonTooLargeForRealtime, router.EPayloadTooLarge},
		{"auto, tight deadline, warm", router.Request{Deadline: 2 * sec}, router.State{Idle: sec, InFlight: 6}, router.RouteRealtime, router.ReasonDeadlineBelowThreshold, ""},
		{"auto, tight deadline, cold: nothing meets it", router.Request{Deadline: 2 * sec}, cold, router.RouteReject, router.ReasonColdStartTooSlow, router.EDeadlineUnmeetable},
		{"auto, may wait, a slot above the urgent peak on replicas urgent work keeps up: not free, it slows their streams", router.Request{}, router.State{Idle: sec, InFlight: 2, UrgentInFlight: 2, UrgentPeakInFlight: 3}, router.RouteBatch, router.ReasonBatchCheaper, ""},
		{"auto, may wait, the urgent peak fills the replicas it keeps", router.Request{}, router.State{Idle: sec, InFlight: 1, UrgentInFlight: 1, UrgentPeakInFlight: 4}, router.RouteBatch, router.ReasonBatchCheaper, ""},
		{"auto, may wait, warm with no urgent work: holding a replica costs more than the threshold", router.Request{}, warm, router.RouteBatch, router.ReasonBatchCheaper, ""},
		{"auto, may wait, cold: cold start costs more than threshold", router.Request{}, cold, router.RouteBatch, router.ReasonBatchCheaper, ""},
		{"auto, cold, idle past scale-down delay", router.Request{}, router.State{Idle: 301 * sec}, router.RouteBatch, router.ReasonBatchCheaper, ""},
		{"auto, cold, deadline between cold start and batch ETA", router.Request{Deadline: 2 * time.Minute}, cold, router.RouteRealtime, router.ReasonBatchTooSlow, ""},
		{"auto, cold start misses deadline but batch meets it", router.Request{Deadline: 30 * sec}, router.State{Idle: router.NeverServed, BatchETA: 20 * sec}, router.RouteBatch, router.ReasonColdStartTooSlow, ""},
		{"auto, saturated goes to batch", router.Request{}, router.State{InFlight: 8}, router.RouteBatch, router.ReasonRealtimeSaturated, ""},
		{"auto, saturated and queue down", router.Request{}, router.State{InFlight: 8, BatchDown: true}, router.RouteReject, router.ReasonRealtimeSaturated, router.EOverloaded},
		{"auto, too large goes to batch", router.Request{Size: 2 << 20}, warm, router.RouteBatch, router.ReasonTooLargeForRealtime, ""},
		{"auto, cold, queue down: realtime after all", router.Request{}, router.State{Idle: router.NeverServed, BatchDown: true}, router.RouteRealtime, router.ReasonBatchUnavailable, ""},
		{"auto, cold start misses deadline, queue down", router.Request{Deadline: 5 * sec}, router.State{Idle: router.NeverServed, BatchDown: true}, router.RouteReject, router.ReasonQueueDown, router.EUnavailable},
		{"auto, warm answer too slow for deadline", router.Request{Deadline: 100 * time.Millisecond}, warm, router.RouteReject, router.ReasonDeadlineTooShort, router.EDeadlineUnmeetable},
		{"auto, observed latency replaces the default", router.Request{Deadline: 2 * sec}, router.State{Idle: sec, RealtimeLatency: 3 * sec}, router.RouteReject, router.ReasonDeadlineTooShort, router.EDeadlineUnmeetable},
		{"auto, per-KiB model: a short request meets a tight deadline", router.Request{Deadline: 2 * sec, Size: 1 << 10}, sized, router.RouteRealtime, router.ReasonDeadlineBelowThreshold, ""},
		{"auto, per-KiB model: a long request misses the same deadline", router.Request{Deadline: 2 * sec, Size: 8 << 10}, sized, router.RouteReject, router.ReasonDeadlineTooShort, router.EDeadlineUnmeetable},
		{"forced realtime, per-KiB model: cold start plus a long request's time misses", router.Request{Mode: router.ModeRealtime, Deadline: 65 * sec, Size: 32 << 10}, router.State{Idle: router.NeverServed, RealtimeLatency: sec, RealtimePerKiB: sec}, router.RouteReject, router.ReasonColdStartTooSlow, router.EDeadlineUnmeetable},
		{"forced realtime, per-KiB model: cold start plus a short request's time meets", router.Request{Mode: router.ModeRealtime, Deadline: 65 * sec, Size: 1 << 10}, router.State{Idle: router.NeverServed, RealtimeLatency: sec, RealtimePerKiB: sec}, router.RouteRealtime, router.ReasonForcedRealtime, ""},
		{"auto, unknown size is estimated as empty, not refused on a guess", router.Request{Deadline: 2 * sec, Size: -1}, sized, router.RouteRealtime, router.ReasonDeadlineBelowThreshold, ""},
		{"forced realtime, the mean answer misses but a fast one meets: try", router.Request{Mode: router.ModeRealtime, Deadline: sec}, spread, router.RouteRealtime, router.ReasonForcedRealtime, ""},
		{"forced realtime, even a fast answer misses: refuse", router.Request{Mode: router.ModeRealtime, Deadline: 400 * time.Millisecond}, spread, router.RouteReject, router.ReasonDeadlineTooShort, router.EDeadlineUnmeetable},
		{"forced realtime, late in a cold start under way: its rest and the answer meet the deadline", router.Request{Mode: router.ModeRealtime, Deadline: 10 * sec}, router.State{Idle: router.NeverServed, InFlight: 3, ColdStarting: true, ColdStartingFor: 55 * sec}, router.RouteRealtime, router.ReasonForcedRealtime, ""},
		{"forced realtime, early in a cold start under way: requests in flight do not make the app warm", router.Request{Mode: router.ModeRealtime, Deadline: 10 * sec}, router.State{Idle: router.NeverServed, InFlight: 3, ColdStarting: true, ColdStartingFor: 10 * sec}, router.RouteReject, router.ReasonColdStartTooSlow, router.EDeadlineUnmeetable},
		{"auto, the deadline is past batch's mean but not its slow tail: realtime", router.Request{Deadline: 2 * time.Minute}, router.State{Idle: sec, BatchETA: 90 * sec, BatchSlowETA: 150 * sec}, router.RouteRealtime, router.ReasonBatchTooSlow, ""},
		{"auto, the deadline is past batch's slow tail: batch", router.Request{Deadline: 3 * time.Minute}, router.State{Idle: sec, BatchETA: 90 * sec, BatchSlowETA: 150 * sec}, router.RouteBatch, router.ReasonBatchCheaper, ""},
		{"auto, queue full, cold: realtime", router.Request{}, router.State{Idle: router.NeverServed, QueueDepth: 5000}, router.RouteRealtime, router.ReasonBatchUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := router.Decide(tt.req, tt.state, s)
			if d.Route != tt.route || d.Reason != tt.reason || d.Code != tt.code {
				t.Fatalf("Decide(%v) = %s/%s/%q, want %s/%s/%q", tt.req, d.Route, d.Reason, d.Code, tt.route, tt.reason, tt.code)
			}
			if expedite := tt.reason == router.ReasonBatchExpedited; d.Expedite != expedite || (expedite && !d.Urgent) {
				t.Fatalf("Decide(%v): Expedite %v, Urgent %v; want Expedite %v, urgent when expedited", tt.req, d.Expedite, d.Urgent, expedite)
			}
		})
	}
}

// Work that may wait fills only the minimum replicas, which run anyway,
// above the urgent peak.
func TestDecideFillsOnlyTheMinimumReplicas(t *testing.T) {
	s := testSettings() // concurrency 4
	s.MinReplicas = 1
	sec := time.Second
	for _, tt := range []struct {
		name  string
		st    router.State
		route router.Route
	}{
		{"a slot above the urgent peak", router.State{Idle: sec, InFlight: 2, UrgentInFlight: 2, UrgentPeakInFlight: 3}, router.RouteRealtime},
		{"the urgent peak fills the minimum replica", router.State{Idle: sec, InFlight: 1, UrgentInFlight: 1, UrgentPeakInFlight: 4}, router.RouteBatch},
		{"the last free slot is taken by work that may wait", router.State{Idle: sec, InFlight: 3, UrgentInFlight: 2, UrgentPeakInFlight: 3}, router.RouteBatch},
	} {
		if d := router.Decide(router.Request{}, tt.st, s); d.Route != tt.route {
			t.Errorf("%s: %s/%s, want %s", tt.name, d.Route, d.Reason, tt.route)
		}
	}
}

// A pool that must start first (it never ran, or no job finished for
// PoolColdAfter) then runs micro-batches that last as long as their slowest
// job: about the slow tail of warm answers. With minutes-long answers an
// 11-minute deadline that the 10-minute start alone meets is missed; with
// short answers it is not. A pool that is running measured its runs already.
func TestColdPoolAllowsForAMicroBatchRun(t *testing.T) {
	s := testSettings() // BatchLatency 10 min
	min := time.Minute
	longAnswers := router.State{Idle: time.Second, RealtimeLatency: 40 * time.Second, RealtimeSlow: 3 * min, BatchIdle: router.NeverServed}
	shortAnswers := longAnswers
	shortAnswers.RealtimeSlow = 20 * time.Second
	scaledIn := longAnswers
	scaledIn.BatchETA, scaledIn.BatchSlowETA, scaledIn.BatchIdle = 4*min, 5*min, router.PoolColdAfter+time.Second
	running := scaledIn
	running.BatchIdle = min
	auto := router.Request{Deadline: 11 * min}
	forced := router.Request{Mode: router.ModeBatch, Deadline: 11 * min}
	for _, tt := range []struct {
		name   string
		req    router.Request
		st     router.State
		route  router.Route
		reason router.Reason
	}{
		{"never ran, slowest answers 3 min: start and run miss 11 min", auto, longAnswers, router.RouteRealtime, router.ReasonBatchTooSlow},
		{"never ran, slowest answers 20 s: start and run meet 11 min", auto, shortAnswers, router.RouteBatch, router.ReasonBatchCheaper},
		{"X-Route: batch, never ran, slowest answers 3 min: the job runs on the app", forced, longAnswers, router.RouteBatch, router.ReasonBatchExpedited},
		{"X-Route: batch, never ran, slowest answers 20 s: the pool", forced, shortAnswers, router.RouteBatch, router.ReasonForcedBatch},
		{"may have scaled in: start and run again", auto, scaledIn, router.RouteRealtime, router.ReasonBatchTooSlow},
		{"running: its measured times hold the runs", auto, running, router.RouteBatch, router.ReasonBatchCheaper},
	} {
		d := router.Decide(tt.req, tt.st, s)
		if d.Route != tt.route || d.Reason != tt.reason {
			t.Errorf("%s: %s/%s, want %s/%s", tt.name, d.Route, d.Reason, tt.route, tt.reason)
		}
	}
}

func TestDecideCostThresholdTunesColdRouting(t *testing.T) {
	s := testSettings()
	// A cold start for one request costs (60+1+300) s × 0.0001 $/s ≈ 0.036 $.
	s.BatchCostThreshold = 0.05
	if d := router.Decide(router.Request{}, cold, s); d.Route != router.RouteRealtime || d.Reason != router.ReasonRealtimeAffordable {
		t.Fatalf("threshold 0.05: got %s/%s, want realtime/%s", d.Route, d.Reason, router.ReasonRealtimeAffordable)
	}
	s.BatchCostThreshold = 0.02
	if d := router.Decide(router.Request{}, cold, s); d.Route != router.RouteBatch {
		t.Fatalf("threshold 0.02: got %s/%s, want batch", d.Route, d.Reason)
	}
}

func TestDecideUsesConfiguredRateUntilLearned(t *testing.T) {
	s := testSettings()
	s.RealtimeLatency, s.RealtimePerKiB = 500*time.Millisecond, time.Second
	req := router.Request{Deadline: 2 * time.Second, Size: 4 << 10}
	if d := router.Decide(req, warm, s); d.Reason != router.ReasonDeadlineTooShort {
		t.Fatalf("configured 1 s/KiB, 4 KiB, 2 s deadline: got %s/%s, want %s", d.Route, d.Reason, router.ReasonDeadlineTooShort)
	}
	learned := router.State{Idle: time.Second, RealtimeLatency: 200 * time.Millisecond, RealtimePerKiB: 100 * time.Millisecond}
	if d := router.Decide(req, learned, s); d.Route != router.RouteRealtime {
		t.Fatalf("learned 0.1 s/KiB replaces the configured rate: got %s/%s, want realtime", d.Route, d.Reason)
	}
}

func TestDecideRetryAfterOnShedding(t *testing.T) {
	s := testSettings()
	d := router.Decide(router.Request{Mode: router.ModeRealtime}, router.State{InFlight: 8}, s)
	if d.RetryAfter <= 0 {
		t.Fatalf("saturated realtime: RetryAfter = %s, want > 0", d.RetryAfter)
	}
	d = router.Decide(router.Request{Mode: router.ModeRealtime, Deadline: 5 * time.Second}, cold, s)
	if d.RetryAfter < s.ColdStart {
		t.Fatalf("cold start too slow: RetryAfter = %s, want at least the cold start %s", d.RetryAfter, s.ColdStart)
	}
}

func TestFallback(t *testing.T) {
	s := testSettings()
	tests := []struct {
		name   string
		req    router.Request
		state  router.State
		route  router.Route
		reason router.Reason
	}{
		{"auto request may wait", router.Request{}, warm, router.RouteBatch, router.ReasonRealtimeFailed},
		{"auto request with deadline batch meets", router.Request{Deadline: time.Hour}, warm, router.RouteBatch, router.ReasonRealtimeFailed},
		{"auto request with deadline batch misses", router.Request{Deadline: 5 * time.Second}, warm, router.RouteReject, router.ReasonBackendUnavailable},
		{"forced realtime never becomes batch", router.Request{Mode: router.ModeRealtime}, warm, router.RouteReject, router.ReasonBackendUnavailable},
		{"queue down", router.Request{}, router.State{BatchDown: true}, router.RouteReject, router.ReasonBackendUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := router.Fallback(tt.req, tt.state, s)
			if d.Route != tt.route || d.Reason != tt.reason {
				t.Fatalf("Fallback = %s/%s, want %s/%s", d.Route, d.Reason, tt.route, tt.reason)
			}
			if d.Route == router.RouteReject && d.Code != router.EUnavailable {
				t.Fatalf("rejected fallback code %q, want %q", d.Code, router.EUnavailable)
			}
		})
	}
}

func BenchmarkDecide(b *testing.B) {
	s := testSettings()
	reqs := []router.Request{{}, {Mode: router.ModeRealtime, Deadline: 5 * time.Second}, {Deadline: 2 * time.Minute}, {Mode: router.ModeBatch}}
	states := []router.State{warm, cold, {InFlight: 5}, {InFlight: 8}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = router.Decide(reqs[i&3], states[(i>>2)&3], s)
	}
}

// BenchmarkDecideSized is BenchmarkDecide with bodies of known size and a
// learned size model, the common case in production.
func BenchmarkDecideSized(b *testing.B) {
	s := testSettings()
	reqs := []router.Request{{Size: 700}, {Mode: router.ModeRealtime, Deadline: 5 * time.Second, Size: 3 << 10}, {Deadline: 2 * time.Minute, Size: 900}, {Mode: router.ModeBatch, Size: 12 << 10}}
	states := []router.State{sized, {Idle: router.NeverServed, RealtimeLatency: time.Second, RealtimePerKiB: time.Second}, {InFlight: 5, RealtimeLatency: time.Second, RealtimePerKiB: 100 * time.Millisecond}, {InFlight: 8}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = router.Decide(reqs[i&3], states[(i>>2)&3], s)
	}
}
