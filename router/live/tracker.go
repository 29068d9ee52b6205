// Package live keeps the router's view of the running system: the live state
// Decide reads (Tracker) and the current settings and API-key hashes, which
// Key Vault refreshes (Settings).
package live

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Tracker accumulates the live state from the router's own traffic. All
// methods are safe for concurrent use and allocation-free: they are on the
// hot path of every request (the demand record takes a short lock).
type Tracker struct {
	inFlight   atomic.Int64
	lastServed atomic.Int64 // unix nanos of the last answer; 0 = never
	model      sizeModel
	answers    quantile     // warm answer times, whatever the size
	batchETA   atomic.Int64 // nanos; 0 = none observed
	batchSlow  quantile
	backlog    backlog
	lastBatch  atomic.Int64 // unix nanos of the last finished job; 0 = never
	queueDepth atomic.Int64
	batchDown  atomic.Bool
	demand     demand
	// coldSince is when the last cold start began: a request left for an
	// app with no replica known up and no start under way (unix nanos; 0:
	// none since the last answer). quietSince is when the last request in
	// flight ended (0: never, or requests are in flight).
	coldSince, quietSince atomic.Int64
	// peers are the other replicas' latest shares (SetPeers).
	peers atomic.Pointer[[]Share]
}

// ewmaWeight is the weight of a new batch observation: about the last ten
// count.
const ewmaWeight = 0.1

// Answer says how a realtime request ended, for End.
type Answer uint8

const (
	// Failed: the app gave no answer (timeout, refusal, broken connection).
	// It says nothing about the app being up nor about model time.
	Failed Answer = iota
	// AnsweredCold: the app answered, but no replica was known to be up when
	// the request left (State.ReplicaUp was false): its latency may hold a
	// cold start, so it is not a model-time sample.
	AnsweredCold
	// AnsweredWarm: the app answered and a replica was known to be up when
	// the request left: its latency is a model-time sample.
	AnsweredWarm
)

// AnswerOf classifies a finished call for End: an answer shows the app is
// up; it is a model-time sample only if a replica was known to be up when
// the request left.
func AnswerOf(answered, replicaUp bool) Answer {
	switch {
	case !answered:
		return Failed
	case replicaUp:
		return AnsweredWarm
	}
	return AnsweredCold
}

// Begin records a realtime request leaving for the inference app.
func (t *Tracker) Begin(now time.Time) {
	t.inFlight.Add(1)
	t.quietSince.Store(0)
	t.demand.add(now, 1, 0)
}

// BeginCold marks the request Begin just recorded as sent while no replica
// was known up (State.ReplicaUp false). fresh says it starts a cold start
// (State.ColdStartLeft was the whole cold start when it was decided);
// otherwise it joins the one under way. A start goes on when the requests
// that began it fail: the platform starts a replica for the first request
// to reach a cold app, and keeps it until its cooldown.
func (t *Tracker) BeginCold(now time.Time, fresh bool) {
	if fresh || t.coldSince.Load() == 0 {
		t.coldSince.Store(now.UnixNano())
	}
}

// BeginUrgent and EndUrgent bracket, inside its Begin and End, a realtime
// request that only realtime answers in time (router.Decision.Urgent): the
// replicas such requests keep up are the ones work that may wait can use
// for free.
func (t *Tracker) BeginUrgent(now time.Time) { t.demand.add(now, 0, 1) }

// EndUrgent: see BeginUrgent.
func (t *Tracker) EndUrgent(now time.Time) { t.demand.add(now, 0, -1) }

// UrgentArrival counts a request that only realtime answers in time,
// whatever route it got: the rate of such arrivals says whether keeping a
// replica warm costs less than waking one (router.KeepWarm).
func (t *Tracker) UrgentArrival(now time.Time) { t.demand.arrival(now) }

// Pinged records an answer to a keep-warm request: a replica is up.
func (t *Tracker) Pinged(now time.Time) { t.lastServed.Store(now.UnixNano()) }

// End records the end of a realtime request that Begin recorded. Any answer
// shows a replica is up now; only a warm answer to a request of known size
// (≥ 0 bytes) feeds the model-time estimate — a cold start or a failure
// would distort it, and an unknown size cannot be placed on the size model.
func (t *Tracker) End(now time.Time, latency time.Duration, size int64, a Answer) {
	if t.inFlight.Add(-1) == 0 {
		t.quietSince.Store(now.UnixNano())
	}
	t.demand.add(now, -1, 0)
	if a == Failed {
		return
	}
	t.lastServed.Store(now.UnixNano())
	t.coldSince.Store(0)
	if a != AnsweredWarm {
		return
	}
	t.answers.observe(latency, slowShare, ewmaWeight)
	if size >= 0 {
		t.model.observe(size, latency)
	}
}

// ObserveBatch records the time from enqueue to result of a job finished
// at now.
func (t *Tracker) ObserveBatch(now time.Time, d time.Duration) {
	updateEWMA(&t.batchETA, d)
	t.batchSlow.observe(d, slowShare, ewmaWeight)
	t.backlog.finished(now, d)
	t.lastBatch.Store(now.UnixNano())
}

// SetQueueDepth records a queue depth read at now; a successful reading
// also means the queue is reachable again.
func (t *Tracker) SetQueueDepth(now time.Time, n int) {
	t.queueDepth.Store(int64(n))
	t.batchDown.Store(false)
	t.backlog.setDepth(now, n)
}

// SetBatchDown records whether the work queue is failing.
func (t *Tracker) SetBatchDown(down bool) { t.batchDown.Store(down) }

// BatchDown reports whether the work queue was last seen failing.
func (t *Tracker) BatchDown() bool { return t.batchDown.Load() }

// Snapshot is the state Decide sees at now: this replica's own, merged with
// the fresh shares of the other replicas (SetPeers), so that every replica
// decides on the fleet's load.
func (t *Tracker) Snapshot(now time.Time) router.State {
	peers := t.freshPeers(now)
	base, perKiB, fast, answers := t.model.fit()
	st := stateParts{
		inFlight:   int(t.inFlight.Load()),
		lastServed: t.lastServed.Load(), coldSince: t.coldSince.Load(), quietSince: t.quietSince.Load(),
		lastBatch: t.lastBatch.Load(), batchETA: time.Duration(t.batchETA.Load()), batchSlow: t.batchSlow.estimate(),
	}
	st.backlogAhead, st.backlogWait = t.backlog.figures()
	st.model.add(base, perKiB, fast, t.answers.estimate(), answers)
	st.urgentNow, _, st.rate, st.lastUrgent = t.demand.share(now)
	merge(&st, peers, now)
	peak, urgentPeak := t.demand.fleetPeaks(now, peers, st.inFlight, st.urgentNow)
	base, perKiB, fast, slow := st.model.estimate()
	depth := int(t.queueDepth.Load())
	if st.batchETA > 0 && since(now, st.lastBatch) <= router.PoolColdAfter {
		// A job enqueued now waits behind the jobs queued since the
		// measured ones were enqueued.
		extra := queuedWait(depth, st.backlogAhead, st.backlogWait)
		st.batchETA, st.batchSlow = st.batchETA+extra, st.batchSlow+extra
	}

	out := router.State{
		PeakInFlight:       peak,
		UrgentPeakInFlight: urgentPeak,
		UrgentInFlight:     st.urgentNow,
		UrgentRate:         st.rate,
		SinceUrgent:        since(now, st.lastUrgent),
		InFlight:           st.inFlight,
		Idle:               since(now, st.lastServed),
		QueueDepth:         depth,
		RealtimeLatency:    base,
		RealtimePerKiB:     perKiB,
		RealtimeFastBy:     fast,
		RealtimeSlow:       slow,
		BatchETA:           st.batchETA,
		BatchSlowETA:       st.batchSlow,
		BatchIdle:          since(now, st.lastBatch),
		BatchDown:          t.batchDown.Load(),
	}
	if st.coldSince != 0 {
		out.ColdStarting, out.ColdStartingFor = true, max(now.Sub(time.Unix(0, st.coldSince)), 0)
	}
	if st.quietSince != 0 && st.inFlight == 0 {
		out.QuietFor = max(now.Sub(time.Unix(0, st.quietSince)), 0)
	}
	return out
}

// stateParts are the raw figures a State is made of, before peers' shares
// are merged in (merge).
type stateParts struct {
	inFlight, urgentNow                           int
	rate                                          float64
	lastUrgent, lastServed, coldSince, quietSince int64
	model                                         pooledFit
	lastBatch                                     int64
	batchETA, batchSlow                           time.Duration
	backlogAhead, backlogWait                     float64 // backlog.figures
}

// since is the time from the unix-nanosecond instant at to now;
// router.NeverServed for 0.
func since(now time.Time, at int64) time.Duration {
	if at == 0 {
		return router.NeverServed
	}
	return max(now.Sub(time.Unix(0, at)), 0)
}

func updateEWMA(v *atomic.Int64, d time.Duration) {
	for {
		old := v.Load()
		next := int64(d)
		if old != 0 {
			next = int64(math.Round(float64(old)*(1-ewmaWeight) + float64(d)*ewmaWeight))
		}
		if v.CompareAndSwap(old, next) {
			return
		}
	}
}
