package router

import (
	"math"
	"time"
)

// PoolColdAfter is how long after its last finished job the Batch pool may
// have no node left: the stack's formula targets the pending tasks' average
// over a 5-minute window, evaluated every 5 minutes at the shortest
// (autoscale.DefaultOptions), so an idle pool is empty 5 to 10 minutes
// after its last task; the shorter bound is the safe one (a job thought to
// meet a warm pool's time would wait for a node instead).
const PoolColdAfter = 5 * time.Minute

// NeverServed is State.Idle when the inference app has not served a request
// since the router started: it is then assumed to be at zero replicas.
const NeverServed = time.Duration(math.MaxInt64)

// State is a snapshot of what the router knows about the live system at the
// moment it decides. Time enters Decide only through it. The zero value is an
// idle system whose inference app has just served a request (warm), with an
// empty, reachable queue and no recent latency figures.
type State struct {
	// InFlight is the number of realtime requests this router is proxying now.
	InFlight int
	// ColdStarting: a request left for an app with no replica known up
	// ColdStartingFor ago, beginning a cold start, and no answer has come
	// since. QuietFor is how long nothing has been in flight (zero while
	// requests are).
	ColdStarting    bool
	ColdStartingFor time.Duration
	QuietFor        time.Duration
	// Idle is how long ago the inference app last answered a request
	// through this router; NeverServed if it never did.
	Idle time.Duration
	// QueueDepth is the approximate number of messages in the work queue.
	QueueDepth int
	// RealtimeLatency and RealtimePerKiB are the router's recent model of a
	// warm realtime answer's time as a function of the request's size:
	// RealtimeLatency for an empty body plus RealtimePerKiB for each KiB of
	// body (the intercept and slope that live.Tracker fits to warm answers).
	// A zero RealtimeLatency means none observed: Settings.RealtimeLatency
	// and Settings.RealtimePerKiB are used instead.
	RealtimeLatency time.Duration
	RealtimePerKiB  time.Duration
	// RealtimeFastBy is how much faster than that model the fastest
	// hundredth of recent warm answers were: the size shows the prompt, not
	// how long an answer the caller asked for, so answers of one size spread
	// widely.
	// Zero: no spread known.
	RealtimeFastBy time.Duration
	// RealtimeSlow is the time within which about nineteen warm answers in
	// twenty recently arrived, whatever their size; zero means none
	// observed. A micro-batch on the pool runs the same model and ends
	// with its slowest job: a pool that must start first takes that long
	// after it started (batchETA).
	RealtimeSlow time.Duration
	// BatchETA is the recent time from enqueue to result on the batch path,
	// longer by the wait for the jobs queued since those jobs were (the
	// tracker's backlog); zero means none observed: a pool start
	// (Settings.BatchLatency) and a micro-batch's run are assumed.
	BatchETA time.Duration
	// BatchSlowETA is the time within which about nineteen jobs in twenty
	// recently finished, longer by the same wait; zero means none observed.
	// A request goes to batch for its deadline only if this meets it.
	BatchSlowETA time.Duration
	// BatchIdle is how long ago the last batch job finished through this
	// router; NeverServed if none did. Past PoolColdAfter the pool may have
	// scaled in to no node, and the times above, measured on a running
	// pool, no longer say how long the next job takes.
	BatchIdle time.Duration
	// BatchDown is true while the work queue is failing: batch work cannot
	// be durably accepted.
	BatchDown bool
	// PeakInFlight is the highest InFlight within the last ScaleInWindow,
	// and UrgentPeakInFlight the highest count of urgent requests
	// (Decision.Urgent) in flight: the app's HTTP rule keeps
	// ceil(peak / concurrency) replicas that long.
	PeakInFlight, UrgentPeakInFlight int
	// UrgentInFlight is how many of InFlight are urgent now.
	UrgentInFlight int
	// UrgentRate is the recent arrival rate of urgent requests, per second,
	// whatever route they got; SinceUrgent is how long ago the last one
	// arrived (NeverServed if none did).
	UrgentRate  float64
	SinceUrgent time.Duration
}

// ScaleInWindow is how long Container Apps keeps the replica count at the
// highest count its HTTP rule asked for: the scale-down stabilization
// window, 300 s and not settable (azure-docs container-apps/scale-app.md,
// "Scale behavior"; the app's scale object in API 2025-01-01 has only
// minReplicas, maxReplicas, cooldownPeriod, pollingInterval and rules).
const ScaleInWindow = 300 * time.Second

// WarmReplicas is how many replicas the router's own traffic keeps up:
// the HTTP rule's ceil(peak in flight / concurrency) over the scale-in
// window, at least one while warm, at least the minimum replicas.
func (st State) WarmReplicas(s Settings) int {
	n := s.MinReplicas
	if st.Warm(s) {
		n = max(n, 1, ceilDiv(max(st.PeakInFlight, st.InFlight), s.ReplicaConcurrency))
	}
	return min(n, s.MaxACAReplicas)
}

// FreeWarmSlot reports whether one more request that may wait fits on
// replicas that run anyway, without ever making the HTTP rule ask for more:
// the minimum replicas have MinReplicas × concurrency slots; urgent requests
// may come back to their peak at any moment, so only the slots above that
// peak are free, less the requests that may wait already in them.
//
// The replicas urgent requests keep up are not free to fill: on a GPU that
// batches its streams, a filler slows every urgent stream, which then stays
// in flight longer and raises the in-flight count the HTTP rule scales on
// (Little's law) and lengthens drains at scale-in. Filling them cost 7%
// more in the replay of docs/simulation.md (seed 1: $11.61 against $10.78)
// for 7 fewer misses, all in the first five minutes.
func (st State) FreeWarmSlot(s Settings) bool {
	if !st.Warm(s) {
		return false
	}
	kept := min(s.MinReplicas, s.MaxACAReplicas)
	mayWait := max(st.InFlight-st.UrgentInFlight, 0)
	return st.UrgentPeakInFlight+mayWait+1 <= kept*s.ReplicaConcurrency
}

func ceilDiv(a, b int) int { return (a + b - 1) / max(b, 1) }

// Warm reports whether the inference app likely has a replica running or
// starting: it has a request in flight, or answered one within the
// scale-down delay.
func (st State) Warm(s Settings) bool {
	return st.InFlight > 0 || st.ReplicaUp(s)
}

// KeepWarmInterval is how often the router asks KeepWarm.
const KeepWarmInterval = 15 * time.Second

// KeepWarm reports whether the router should send the inference app a
// keep-warm request now: the app scales to zero at its cooldown, no
// request is in flight and the cooldown is about to end, and urgent
// requests arrive often enough that keeping one replica warm until the next
// one costs less than letting it cool. Keeping warm costs the gap, expected
// 1/UrgentRate of replica time. Letting it cool costs the next wake-up —
// the cold start plus the cooldown tail of replica time — and the urgent
// requests that arrive during that cold start, UrgentRate × ColdStart of
// them, which wait it out and mostly miss their deadlines. Each is priced
// at the batch cost threshold, what the operator says a synchronous answer
// is worth above batch; a threshold of zero leaves misses out. A decayed
// rate falls slowly after traffic stops, so a silence longer than the gap
// already counts as the gap: once no urgent request has come for longer
// than letting the app cool costs, it may cool.
func KeepWarm(st State, s Settings) bool {
	if s.MinReplicas > 0 || st.InFlight > 0 || !st.ReplicaUp(s) || st.UrgentRate <= 0 {
		return false
	}
	if st.Idle < s.ScaleDownDelay-2*KeepWarmInterval {
		return false
	}
	gap := max(1/st.UrgentRate, st.SinceUrgent.Seconds())
	return gap <= coolingCost(st, s)
}

// coolingCost is what letting the app cool costs, in seconds of one
// replica: the next wake-up, and the urgent requests its cold start loses.
func coolingCost(st State, s Settings) float64 {
	wake := (s.ColdStart + s.ScaleDownDelay).Seconds()
	if s.RealtimePricePerSecond <= 0 {
		return wake
	}
	lost := st.UrgentRate * s.ColdStart.Seconds()
	return wake + lost*s.BatchCostThreshold/s.RealtimePricePerSecond
}

// ReplicaUp reports whether a replica is known to be up: the app answered
// within the scale-down delay. A request in flight alone does not show it
// (it may be waiting for a cold start), so only an answer to a request sent
// while ReplicaUp holds measures model time (live.AnsweredWarm).
func (st State) ReplicaUp(s Settings) bool {
	return s.MinReplicas > 0 || st.Idle < s.ScaleDownDelay
}

// ColdStartLeft is how long a request sent now waits for a replica: nothing
// when one is known up or the requests in flight left for a warm app, the
// rest of a cold start under way, a whole cold start otherwise. A start is
// under way until the app has been without requests for its cooldown
// (ScaleDownDelay): then it has scaled the started replica in again.
func (st State) ColdStartLeft(s Settings) time.Duration {
	switch {
	case st.ReplicaUp(s):
		return 0
	case st.ColdStarting && (st.InFlight > 0 || st.QuietFor < s.ScaleDownDelay):
		return max(s.ColdStart-st.ColdStartingFor, 0)
	case st.InFlight > 0:
		return 0
	}
	return s.ColdStart
}

// BeginsColdStart reports whether a request sent now starts a cold start
// rather than joining one under way (live.Tracker.BeginCold's fresh).
func (st State) BeginsColdStart(s Settings) bool {
	return st.ColdStartLeft(s) >= s.ColdStart
}

// FastModelTime is the time within which about one warm answer in 100 to a
// request of size bytes arrives: ModelTime less RealtimeFastBy. A request
// is refused for its deadline only if even this misses it.
func (st State) FastModelTime(size int64, s Settings) time.Duration {
	t := st.ModelTime(size, s)
	if st.RealtimeLatency > 0 {
		t -= st.RealtimeFastBy
	}
	return max(t, 0)
}

// ModelTime is the expected time of a warm realtime answer to a request of
// size bytes: the size model's intercept plus its slope times the size. A
// body of unknown size (-1, a chunked upload) is estimated as an empty one —
// optimistic, so that a request is never refused on a guess about its size.
// One average for every request would refuse short requests whose deadline
// a warm replica meets, and underestimate long ones.
func (st State) ModelTime(size int64, s Settings) time.Duration {
	base, perKiB := s.RealtimeLatency, s.RealtimePerKiB
	if st.RealtimeLatency > 0 {
		base, perKiB = st.RealtimeLatency, st.RealtimePerKiB
	}
	if size > 0 && perKiB > 0 {
		// Float: per-KiB time × a large body can overflow int64 nanoseconds.
		base += time.Duration(float64(perKiB) * float64(size) / 1024)
	}
	return base
}

// batchSlowETA is the batch time a deadline must allow: the slow tail of
// recent jobs, at least the expected time.
func (st State) batchSlowETA(s Settings) time.Duration {
	return max(st.BatchSlowETA, st.batchETA(s))
}

// batchETA is the expected time from enqueue to result: the recent one on
// a pool that has been running; on a pool that may have scaled in (or
// never ran), at least the time to start one (Settings.BatchLatency) and
// then to run a micro-batch, which lasts as long as its slowest job: about
// RealtimeSlow. Without the run, jobs of the pool's first start on
// long-prompt traffic went to batch on deadlines of 10–12 minutes and
// finished 10–12.5 minutes after they came (docs/simulation.md).
func (st State) batchETA(s Settings) time.Duration {
	if st.BatchETA <= 0 || st.BatchIdle > PoolColdAfter {
		return max(st.BatchETA, s.BatchLatency+st.RealtimeSlow)
	}
	return st.BatchETA
}
