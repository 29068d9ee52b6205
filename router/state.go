package router

import (
	"math"
	"time"
)

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
	// RealtimeFastBy is how much faster than that model the fastest tenth
	// of recent warm answers were: the size shows the prompt, not how long
	// an answer the caller asked for, so answers of one size spread widely.
	// Zero: no spread known.
	RealtimeFastBy time.Duration
	// BatchETA is the recent time from enqueue to result on the batch path;
	// zero means none observed, use Settings.BatchLatency.
	BatchETA time.Duration
	// BatchDown is true while the work queue is failing: batch work cannot
	// be durably accepted.
	BatchDown bool
}

// Warm reports whether the inference app likely has a replica running or
// starting: it has a request in flight, or answered one within the
// scale-down delay.
func (st State) Warm(s Settings) bool {
	return st.InFlight > 0 || st.ReplicaUp(s)
}

// ReplicaUp reports whether a replica is known to be up: the app answered
// within the scale-down delay. A request in flight alone does not show it
// (it may be waiting for a cold start), so only an answer to a request sent
// while ReplicaUp holds measures model time (live.AnsweredWarm).
func (st State) ReplicaUp(s Settings) bool { return st.Idle < s.ScaleDownDelay }

// IdleWarmCapacity reports whether a warm replica has room for one more
// request — capacity that is paid for whether or not it is used. Only one
// replica is assumed warm: the router cannot see more.
func (st State) IdleWarmCapacity(s Settings) bool {
	return st.Warm(s) && st.InFlight < s.ReplicaConcurrency
}

// FastModelTime is the time within which about one warm answer in ten to a
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

func (st State) batchETA(s Settings) time.Duration {
	if st.BatchETA > 0 {
		return st.BatchETA
	}
	return s.BatchLatency
}
