package live_test

import (
	"math"
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
	tr.End(t0.Add(2*time.Second), 2*time.Second, 0, live.AnsweredWarm)
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
	tr.End(now, time.Second, 0, live.AnsweredWarm)
	tr.Begin(now)
	tr.End(now, time.Minute, 0, live.Failed) // a timeout says nothing about model time
	if got := tr.Snapshot(now).RealtimeLatency; got != time.Second {
		t.Fatalf("latency %s after a failure, want 1s", got)
	}
	tr.Begin(now)
	tr.End(now, 2*time.Second, 0, live.AnsweredWarm)
	if got := tr.Snapshot(now).RealtimeLatency; got <= time.Second || got >= 2*time.Second {
		t.Fatalf("moving average %s, want between 1s and 2s", got)
	}
}

// Only answers sent while a replica was known to be up measure model time:
// the answers that waited for a cold start would make every later request
// look slow and be refused.
func TestTrackerColdAnswersDoNotFeedTheEstimate(t *testing.T) {
	s := router.DefaultSettings()
	var tr live.Tracker
	t0 := time.Unix(3_000_000, 0)
	if tr.Snapshot(t0).ReplicaUp(s) {
		t.Fatal("a router that never served believes a replica is up")
	}
	tr.Begin(t0)
	if st := tr.Snapshot(t0.Add(time.Second)); st.ReplicaUp(s) || !st.Warm(s) {
		t.Fatalf("a request in flight means starting, not up: %+v", st)
	}
	tr.End(t0.Add(92*time.Second), 92*time.Second, 1024, live.AnsweredCold)
	st := tr.Snapshot(t0.Add(92 * time.Second))
	if st.RealtimeLatency != 0 {
		t.Fatalf("a cold-start answer fed the estimate: %+v", st)
	}
	if !st.ReplicaUp(s) {
		t.Fatalf("an answer, even cold, shows a replica is up: %+v", st)
	}
	tr.Begin(t0.Add(100 * time.Second))
	tr.End(t0.Add(102*time.Second), 2*time.Second, 1024, live.AnsweredWarm)
	if got := tr.Snapshot(t0.Add(102*time.Second)).ModelTime(1024, s); got != 2*time.Second {
		t.Fatalf("estimate %s after one warm 2 s answer, want 2s", got)
	}
}

func TestTrackerFailureDoesNotShowAReplicaUp(t *testing.T) {
	s := router.DefaultSettings()
	var tr live.Tracker
	t0 := time.Unix(3_000_000, 0)
	tr.Begin(t0)
	tr.End(t0.Add(5*time.Second), 5*time.Second, 1024, live.Failed)
	if st := tr.Snapshot(t0.Add(5 * time.Second)); st.Warm(s) || st.Idle != router.NeverServed {
		t.Fatalf("a request that got no answer shows nothing is up: %+v", st)
	}
}

func TestTrackerQueueHealth(t *testing.T) {
	var tr live.Tracker
	tr.SetBatchDown(true)
	if !tr.Snapshot(time.Now()).BatchDown {
		t.Fatal("queue failure not recorded")
	}
	tr.SetQueueDepth(time.Now(), 7)
	if st := tr.Snapshot(time.Now()); st.BatchDown || st.QueueDepth != 7 {
		t.Fatalf("a good depth reading must clear the failure: %+v", st)
	}
}

// A router that learned how answer time grows with body size estimates a
// short request as short and a long one as long, so a tight deadline on a
// short request is not refused because of the long ones.
func TestTrackerLearnsModelTimePerKiB(t *testing.T) {
	s := router.DefaultSettings()
	var tr live.Tracker
	now := time.Unix(2_000_000, 0)
	// Answers take 0.5 s plus 0.25 s per KiB, in a rotation of sizes.
	sizes := []int64{512, 2 << 10, 8 << 10, 4 << 10, 16 << 10, 1 << 10}
	for i := range 300 {
		size := sizes[i%len(sizes)]
		tr.Begin(now)
		tr.End(now, 500*time.Millisecond+time.Duration(size)*250*time.Millisecond/1024, size, live.AnsweredWarm)
	}
	st := tr.Snapshot(now)
	for _, c := range []struct {
		size int64
		want time.Duration
	}{{0, 500 * time.Millisecond}, {1 << 10, 750 * time.Millisecond}, {32 << 10, 8500 * time.Millisecond}} {
		if got := st.ModelTime(c.size, s); got < c.want-10*time.Millisecond || got > c.want+10*time.Millisecond {
			t.Errorf("ModelTime(%d B) = %s, want %s (state %+v)", c.size, got, c.want, st)
		}
	}
}

func TestTrackerSizeModelWithoutSizeInformation(t *testing.T) {
	s := router.DefaultSettings()
	var tr live.Tracker
	now := time.Unix(2_000_000, 0)
	// Same size every time, answer times 1 s and 3 s: the model is their mean.
	for i := range 100 {
		tr.Begin(now)
		tr.End(now, time.Duration(1+2*(i%2))*time.Second, 4096, live.AnsweredWarm)
	}
	// Unknown sizes are not placed on the model.
	tr.Begin(now)
	tr.End(now, time.Hour, -1, live.AnsweredWarm)
	st := tr.Snapshot(now)
	if st.RealtimePerKiB != 0 {
		t.Fatalf("slope %s from requests of one size, want 0", st.RealtimePerKiB)
	}
	if got := st.ModelTime(64<<10, s); got < 1900*time.Millisecond || got > 2100*time.Millisecond {
		t.Fatalf("ModelTime = %s, want about the 2 s mean", got)
	}
}

func TestTrackerSizeModelNeverShrinksWithSize(t *testing.T) {
	var tr live.Tracker
	now := time.Unix(2_000_000, 0)
	// Bigger bodies answered faster (noise, or a cache): no negative slope.
	for i := range 100 {
		size := int64(1+i%4) << 10
		tr.Begin(now)
		tr.End(now, time.Duration(10-2*(i%4))*time.Second, size, live.AnsweredWarm)
	}
	st := tr.Snapshot(now)
	if st.RealtimePerKiB != 0 || st.RealtimeLatency <= 0 {
		t.Fatalf("state %+v, want a flat model", st)
	}
}

// Answers to requests of one size spread (the caller asked for short or
// long answers): the fast estimate is near the first percentile, so a
// deadline that some warm answers meet is not refused.
func TestTrackerLearnsHowFastTheFastAnswersAre(t *testing.T) {
	s := router.DefaultSettings()
	var tr live.Tracker
	now := time.Unix(4_000_000, 0)
	// Answer times spread evenly over 1–3 s (a low-discrepancy sequence):
	// mean 2 s, first percentile 1.02 s.
	u := 0.0
	for range 2000 {
		u = math.Mod(u+0.6180339887, 1)
		tr.Begin(now)
		tr.End(now, time.Duration((1+2*u)*float64(time.Second)), 2048, live.AnsweredWarm)
	}
	st := tr.Snapshot(now)
	if got := st.ModelTime(2048, s); got < 1900*time.Millisecond || got > 2100*time.Millisecond {
		t.Errorf("ModelTime = %s, want about 2 s", got)
	}
	if got := st.FastModelTime(2048, s); got < 950*time.Millisecond || got > 1150*time.Millisecond {
		t.Errorf("FastModelTime = %s, want about 1.02 s", got)
	}
}

// The slow tail of warm answers, whatever their size, is how long a batch
// micro-batch of the same requests runs (it ends with its slowest job):
// answers that waited for a cold start or never came do not count.
func TestTrackerFollowsTheSlowTailOfWarmAnswers(t *testing.T) {
	var tr live.Tracker
	now := time.Unix(4_500_000, 0)
	if got := tr.Snapshot(now).RealtimeSlow; got != 0 {
		t.Fatalf("RealtimeSlow %s before any answer, want 0", got)
	}
	// Answer times spread evenly over 10–110 s, sizes unknown or not:
	// 95th percentile 105 s.
	u := 0.0
	for i := range 3000 {
		u = math.Mod(u+0.6180339887, 1)
		tr.Begin(now)
		tr.End(now, time.Duration((10+100*u)*float64(time.Second)), int64(i%2*2-1), live.AnsweredWarm)
	}
	for range 50 {
		tr.Begin(now)
		tr.End(now, 20*time.Minute, 2048, live.AnsweredCold)
		tr.Begin(now)
		tr.End(now, 20*time.Minute, 2048, live.Failed)
	}
	if got := tr.Snapshot(now).RealtimeSlow; got < 98*time.Second || got > 112*time.Second {
		t.Fatalf("RealtimeSlow %s, want about 105 s", got)
	}
	// A replica that proxied none of them reads it from the other's share.
	var peer live.Tracker
	peer.SetPeers([]live.Share{tr.Share(now, time.Second)})
	if got, want := peer.Snapshot(now).RealtimeSlow, tr.Snapshot(now).RealtimeSlow; got != want {
		t.Fatalf("RealtimeSlow from a peer's share %s, want %s", got, want)
	}
}

// After a few answers, too few for a first percentile, the fast estimate is
// the fastest answer seen, not the mean: short requests whose deadline a
// warm replica meets are not refused while the router has just begun.
func TestTrackerFastEstimateFromFewAnswers(t *testing.T) {
	s := router.DefaultSettings()
	var tr live.Tracker
	now := time.Unix(4_000_000, 0)
	for _, sec := range []float64{9, 3, 12, 7, 15} {
		tr.Begin(now)
		tr.End(now, time.Duration(sec*float64(time.Second)), 2048, live.AnsweredWarm)
	}
	st := tr.Snapshot(now)
	if got := st.FastModelTime(2048, s); got > 4*time.Second {
		t.Errorf("FastModelTime after answers of 9, 3, 12, 7 and 15 s = %s, want about the fastest, 3 s (mean %s)", got, st.ModelTime(2048, s))
	}
}

// The tracker keeps the in-flight peaks of the scale-in window, total and
// urgent, forgets them after it, and decays the urgent arrival rate.
func TestTrackerDemandOverTheScaleInWindow(t *testing.T) {
	var tr live.Tracker
	t0 := time.Unix(5_000_000, 0)
	for range 3 {
		tr.Begin(t0)
		tr.BeginUrgent(t0)
		tr.UrgentArrival(t0)
	}
	tr.Begin(t0)
	for range 3 {
		tr.EndUrgent(t0.Add(time.Second))
		tr.End(t0.Add(time.Second), time.Second, 0, live.AnsweredWarm)
	}
	st := tr.Snapshot(t0.Add(time.Minute))
	if st.InFlight != 1 || st.UrgentInFlight != 0 || st.PeakInFlight != 4 || st.UrgentPeakInFlight != 3 {
		t.Fatalf("a minute later: %+v, want 1 in flight, 0 urgent, peaks 4 and 3", st)
	}
	if st.UrgentRate <= 0 {
		t.Fatalf("urgent rate %v after three urgent arrivals", st.UrgentRate)
	}
	late := tr.Snapshot(t0.Add(router.ScaleInWindow + time.Minute))
	if late.PeakInFlight != 1 || late.UrgentPeakInFlight != 0 {
		t.Fatalf("after the window: %+v, want the peaks forgotten", late)
	}
	if late.UrgentRate >= st.UrgentRate {
		t.Fatalf("urgent rate did not decay: %v then %v", st.UrgentRate, late.UrgentRate)
	}
	if late.SinceUrgent != router.ScaleInWindow+time.Minute {
		t.Fatalf("since the last urgent arrival: %s, want %s", late.SinceUrgent, router.ScaleInWindow+time.Minute)
	}
	var none live.Tracker
	if got := none.Snapshot(t0).SinceUrgent; got != router.NeverServed {
		t.Fatalf("no urgent arrival yet: SinceUrgent %s, want NeverServed", got)
	}
}

// A request sent to an app with no replica known up starts a cold start;
// requests sent while it is under way wait only for its rest, and an
// answer ends it. The start goes on when its requests fail, until the app
// has been without requests for its cooldown.
func TestTrackerFollowsAColdStartUnderWay(t *testing.T) {
	s := router.DefaultSettings() // cold start 90 s, cooldown 300 s
	var tr live.Tracker
	t0 := time.Unix(6_000_000, 0)
	if got := tr.Snapshot(t0).ColdStartLeft(s); got != s.ColdStart {
		t.Fatalf("never served: %s to wait, want the whole cold start %s", got, s.ColdStart)
	}
	tr.Begin(t0)
	tr.BeginCold(t0, true)
	st := tr.Snapshot(t0.Add(60 * time.Second))
	if !st.ColdStarting || st.ColdStartingFor != time.Minute || st.ColdStartLeft(s) != 30*time.Second {
		t.Fatalf("60 s into a cold start: %+v, left %s; want 30 s left", st, st.ColdStartLeft(s))
	}
	tr.Begin(t0.Add(60 * time.Second))
	tr.BeginCold(t0.Add(60*time.Second), false) // joins the start under way
	if got := tr.Snapshot(t0.Add(80 * time.Second)).ColdStartLeft(s); got != 10*time.Second {
		t.Fatalf("a joining request must not restart the cold start: %s left, want 10s", got)
	}
	tr.End(t0.Add(100*time.Second), 100*time.Second, 0, live.AnsweredCold)
	if st := tr.Snapshot(t0.Add(101 * time.Second)); st.ColdStarting || st.ColdStartLeft(s) != 0 {
		t.Fatalf("after an answer: %+v, want a replica up", st)
	}

	// The request that began a start fails: the replica still comes up,
	// unless the app stays without requests for its cooldown.
	var failed live.Tracker
	failed.Begin(t0)
	failed.BeginCold(t0, true)
	failed.End(t0.Add(30*time.Second), 30*time.Second, 0, live.Failed)
	if got := failed.Snapshot(t0.Add(40 * time.Second)).ColdStartLeft(s); got != 50*time.Second {
		t.Fatalf("10 s after the only request failed: %s left, want the start's remaining 50s", got)
	}
	if got := failed.Snapshot(t0.Add(30*time.Second + s.ScaleDownDelay)).ColdStartLeft(s); got != s.ColdStart {
		t.Fatalf("quiet for the cooldown: %s left, want a whole cold start", got)
	}
}

// The slow batch estimate follows the 95th percentile of job times, so a
// deadline near the mean does not count as met by batch.
func TestTrackerLearnsTheSlowBatchTail(t *testing.T) {
	var tr live.Tracker
	// Job times spread evenly over 60–120 s: mean 90 s, 95th percentile 117 s.
	u := 0.0
	now := time.Unix(7_000_000, 0)
	for range 3000 {
		u = math.Mod(u+0.6180339887, 1)
		tr.ObserveBatch(now, time.Duration((60+60*u)*float64(time.Second)))
	}
	st := tr.Snapshot(now)
	if st.BatchETA < 80*time.Second || st.BatchETA > 100*time.Second {
		t.Errorf("BatchETA = %s, want about 90 s", st.BatchETA)
	}
	if st.BatchSlowETA < 110*time.Second || st.BatchSlowETA > 122*time.Second {
		t.Errorf("BatchSlowETA = %s, want about 117 s", st.BatchSlowETA)
	}
}

// Jobs finishing now were enqueued one batch time ago, behind the queue of
// then: when the queue has grown since, a job enqueued now waits longer by
// the extra jobs at the rate the queue drains (depth ÷ time in the system,
// for the waiting part of that time). A shallower queue does not shorten
// the estimate.
func TestBatchTimeGrowsWithTheQueueAhead(t *testing.T) {
	s := router.DefaultSettings()
	var tr live.Tracker
	// 100 jobs queued, each finishing 200 s after its enqueue, the fastest
	// (no wait) after 100 s: about 90 s of waiting for 100 jobs ahead.
	now := time.Unix(9_000_000, 0)
	for i := range 600 {
		now = now.Add(2 * time.Second)
		tr.SetQueueDepth(now, 100)
		d := 200 * time.Second
		if i%10 == 0 {
			d = 100 * time.Second
		}
		tr.ObserveBatch(now, d)
	}
	steady := tr.Snapshot(now)
	if steady.BatchSlowETA < 180*time.Second || steady.BatchSlowETA > 230*time.Second {
		t.Fatalf("steady queue of 100: BatchSlowETA %s, want about 200 s", steady.BatchSlowETA)
	}
	tr.SetQueueDepth(now, 300)
	deeper := tr.Snapshot(now)
	if grew := deeper.BatchSlowETA - steady.BatchSlowETA; grew < 150*time.Second || grew > 250*time.Second {
		t.Errorf("queue 100 → 300: BatchSlowETA grew by %s, want about 200 jobs × 0.9 s of waiting each", grew)
	}
	if grew := deeper.BatchETA - steady.BatchETA; grew != deeper.BatchSlowETA-steady.BatchSlowETA {
		t.Errorf("the expected time grew by %s, the slow tail by %s: a deeper queue delays every job alike", grew, deeper.BatchSlowETA-steady.BatchSlowETA)
	}
	// Another replica reads the same queue and the dispatcher's figures
	// from its share.
	var peer live.Tracker
	peer.SetQueueDepth(now, 300)
	peer.SetPeers([]live.Share{tr.Share(now, time.Second)})
	if got := peer.Snapshot(now).BatchSlowETA; got != deeper.BatchSlowETA {
		t.Errorf("a peer of the dispatcher's replica: BatchSlowETA %s, want %s", got, deeper.BatchSlowETA)
	}
	// The jobs that just finished took under 4 minutes, but 200 more jobs
	// are ahead of one enqueued now.
	req := router.Request{Deadline: 5 * time.Minute}
	if d := router.Decide(req, steady, s); d.Route != router.RouteBatch {
		t.Fatalf("queue of 100, 5 min deadline: %s/%s, want batch", d.Route, d.Reason)
	}
	if d := router.Decide(req, deeper, s); d.Route != router.RouteRealtime || d.Reason != router.ReasonBatchTooSlow {
		t.Errorf("queue of 300, 5 min deadline: %s/%s, want realtime/%s", d.Route, d.Reason, router.ReasonBatchTooSlow)
	}
	tr.SetQueueDepth(now, 10)
	if got := tr.Snapshot(now).BatchSlowETA; got != steady.BatchSlowETA {
		t.Errorf("queue 100 → 10: BatchSlowETA %s, want it left at %s", got, steady.BatchSlowETA)
	}
}

// Jobs of a pool's start waited for nodes, not behind the queue: their
// times, long for the queue they were enqueued behind, say nothing about
// how fast it drains.
func TestBatchTimeOfThePoolsStartIsNotBlamedOnTheQueue(t *testing.T) {
	var tr live.Tracker
	t0 := time.Unix(9_500_000, 0)
	for i := range 13 {
		tr.SetQueueDepth(t0.Add(time.Duration(i)*10*time.Second), 50)
	}
	// 200 jobs enqueued over the first two minutes behind 50 others all
	// finish when the first nodes have run them, 10–12 minutes later.
	done := t0.Add(12 * time.Minute)
	tr.SetQueueDepth(done, 500)
	for i := range 200 {
		tr.ObserveBatch(done, 12*time.Minute-time.Duration(i)*600*time.Millisecond)
	}
	if got := tr.Snapshot(done).BatchSlowETA; got > 12*time.Minute+time.Second {
		t.Fatalf("after the pool's first results, 10–12 min each: BatchSlowETA %s, want at most 12 min, none added for the queue", got)
	}
}

// A pool whose last job finished longer ago than PoolColdAfter may have no
// node left: the job times it measured running no longer apply, and batch
// meets a deadline only if starting the pool (BatchLatency) does.
func TestBatchTimesLapseWhenThePoolMayBeEmpty(t *testing.T) {
	s := router.DefaultSettings() // BatchLatency 10 min
	var tr live.Tracker
	done := time.Unix(8_000_000, 0)
	for range 50 {
		tr.ObserveBatch(done, 90*time.Second)
	}
	req := router.Request{Deadline: 5 * time.Minute}
	if d := router.Decide(req, tr.Snapshot(done.Add(time.Minute)), s); d.Route != router.RouteBatch {
		t.Fatalf("a minute after the last job: %s/%s, want batch (jobs take 90 s)", d.Route, d.Reason)
	}
	later := done.Add(router.PoolColdAfter + time.Second)
	if st := tr.Snapshot(later); st.BatchIdle <= router.PoolColdAfter {
		t.Fatalf("BatchIdle = %s, want more than %s", st.BatchIdle, router.PoolColdAfter)
	}
	if d := router.Decide(req, tr.Snapshot(later), s); d.Route != router.RouteRealtime || d.Reason != router.ReasonBatchTooSlow {
		t.Fatalf("with the pool possibly empty: %s/%s, want realtime/%s", d.Route, d.Reason, router.ReasonBatchTooSlow)
	}
}
