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
	// Idle is how long ago the inference app last started or finished a
	// request through this router; NeverServed if it never did.
	Idle time.Duration
	// QueueDepth is the approximate number of messages in the work queue.
	QueueDepth int
	// RealtimeLatency is the recent realtime model time (a moving average of
	// warm answers); zero means none observed, use Settings.RealtimeLatency.
	RealtimeLatency time.Duration
	// BatchETA is the recent time from enqueue to result on the batch path;
	// zero means none observed, use Settings.BatchLatency.
	BatchETA time.Duration
	// BatchDown is true while the work queue is failing: batch work cannot
	// be durably accepted.
	BatchDown bool
}

// Warm reports whether the inference app likely has a replica running: it has
// a request in flight, or served one within the scale-down delay.
func (st State) Warm(s Settings) bool {
	return st.InFlight > 0 || st.Idle < s.ScaleDownDelay
}

// IdleWarmCapacity reports whether a warm replica has room for one more
// request — capacity that is paid for whether or not it is used. Only one
// replica is assumed warm: the router cannot see more.
func (st State) IdleWarmCapacity(s Settings) bool {
	return st.Warm(s) && st.InFlight < s.ReplicaConcurrency
}

func (st State) realtimeLatency(s Settings) time.Duration {
	if st.RealtimeLatency > 0 {
		return st.RealtimeLatency
	}
	return s.RealtimeLatency
}

func (st State) batchETA(s Settings) time.Duration {
	if st.BatchETA > 0 {
		return st.BatchETA
	}
	return s.BatchLatency
}
