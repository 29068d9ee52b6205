package sim

import (
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

// replica is one inference app replica (one GPU).
type replica struct {
	id       int
	started  time.Duration
	ready    bool
	busy     int
	draining bool
	removed  bool
}

type callState uint8

const (
	callWaiting callState = iota
	callServing
	callDone
	callCut
)

// rtCall is a request on the realtime path.
type rtCall struct {
	req   *Request
	began time.Duration
	rep   *replica
	state callState
	// replicaUp is the production router's State.ReplicaUp when the call
	// left: only then is its answer time a model-time sample.
	replicaUp bool
}

// realtimePool models the Container Apps GPU app: replicas with a fixed
// number of slots, a FIFO of requests waiting for a slot (the ingress holds
// them), HTTP-rule scale-out to ceil(in flight / concurrency), and scale-in
// only to the highest need seen within the scale-down delay.
type realtimePool struct {
	replicas []*replica
	waiting  []*rtCall
	nWaiting int // waiting calls not cut
	serving  int
	nextID   int
	need     []needSample
	peak     int     // highest need since the last poll
	waking   bool    // the router's wake request is under way
	seconds  float64 // replica-seconds billed
}

type needSample struct {
	at   time.Duration
	need int
}

func (e *engine) rtInFlight() int { return e.rt.serving + e.rt.nWaiting }

// rtSubmit sends req to the inference app at now.
func (e *engine) rtSubmit(req *Request) {
	c := &rtCall{req: req, began: e.now}
	if e.prod != nil {
		c.replicaUp = e.prod.tracker.Snapshot(e.wall()).ReplicaUp(e.prod.settings)
		e.prod.tracker.Begin(e.wall())
	}
	limit := e.p.IngressTimeout
	if e.prod != nil && req.Deadline > 0 {
		// The router's proxy gives the app the time left of the deadline.
		limit = min(limit, req.Deadline)
	}
	e.schedule(event{at: e.now + limit, kind: evCallTimeout, call: c})
	if r := e.freeReplica(); r != nil {
		e.serve(c, r)
	} else {
		e.rt.waiting = append(e.rt.waiting, c)
		e.rt.nWaiting++
	}
	e.rtScaleOut()
}

// freeReplica is the ready, non-draining replica with the fewest requests
// and room for one more (lowest id on ties), or nil.
func (e *engine) freeReplica() *replica {
	var best *replica
	for _, r := range e.rt.replicas {
		if r.ready && !r.draining && r.busy < e.p.ReplicaConcurrency && (best == nil || r.busy < best.busy) {
			best = r
		}
	}
	return best
}

func (e *engine) serve(c *rtCall, r *replica) {
	c.state, c.rep = callServing, r
	r.busy++
	e.rt.serving++
	svc := e.p.Throughput.ServiceTime(c.req.ContextTokens, c.req.GeneratedTokens)
	e.schedule(event{at: e.now + svc, kind: evCallDone, call: c})
}

// fill gives waiting calls to r's free slots.
func (e *engine) fill(r *replica) {
	for r.ready && !r.draining && r.busy < e.p.ReplicaConcurrency && len(e.rt.waiting) > 0 {
		c := e.rt.waiting[0]
		e.rt.waiting[0] = nil
		e.rt.waiting = e.rt.waiting[1:]
		if c.state != callWaiting {
			continue
		}
		e.rt.nWaiting--
		e.serve(c, r)
	}
}

func (e *engine) rtNeed() int {
	n := e.rtInFlight()
	return min(e.p.MaxReplicas, (n+e.p.ReplicaConcurrency-1)/e.p.ReplicaConcurrency)
}

func (e *engine) rtActive() int {
	n := 0
	for _, r := range e.rt.replicas {
		if !r.draining {
			n++
		}
	}
	return n
}

// rtScaleOut starts replicas (each a cold start) up to the current need.
func (e *engine) rtScaleOut() {
	need := e.rtNeed()
	e.rt.peak = max(e.rt.peak, need)
	for e.rtActive() < need {
		r := &replica{id: e.rt.nextID, started: e.now}
		e.rt.nextID++
		e.rt.replicas = append(e.rt.replicas, r)
		e.schedule(event{at: e.now + e.p.ColdStart, kind: evReplicaReady, rep: r})
	}
}

// wake models the router's wake request after a cold refusal: like any
// request reaching a cold app it starts a replica (a cold start), and its
// answer tells the tracker the app is up. At most one is under way.
func (e *engine) wake() {
	if e.rt.waking || e.rtActive() > 0 {
		return
	}
	e.rt.waking = true
	e.rt.peak = max(e.rt.peak, 1)
	r := &replica{id: e.rt.nextID, started: e.now}
	e.rt.nextID++
	e.rt.replicas = append(e.rt.replicas, r)
	e.schedule(event{at: e.now + e.p.ColdStart, kind: evReplicaReady, rep: r})
	e.prod.tracker.Begin(e.wall())
	e.schedule(event{at: e.now + e.p.ColdStart, kind: evWoken})
}

// woken is the wake request's answer: never a model-time sample.
func (e *engine) woken() {
	e.rt.waking = false
	e.prod.tracker.End(e.wall(), e.p.ColdStart, -1, live.AnsweredCold)
}

func (e *engine) replicaReady(r *replica) {
	if r.removed {
		return
	}
	r.ready = true
	e.fill(r)
}

func (e *engine) callDone(c *rtCall) {
	if c.state != callServing {
		return
	}
	c.state = callDone
	e.release(c.rep)
	e.answered(c.req, e.now, "")
	if e.prod != nil {
		// As router/http does: an answer shows the app is up; it is a
		// model-time sample only if a replica was up when the call left.
		a := live.AnsweredCold
		if c.replicaUp {
			a = live.AnsweredWarm
		}
		e.prod.tracker.End(e.wall(), e.now-c.began, c.req.Size, a)
	}
}

// callTimeout cuts a call still waiting or running at its limit: the
// ingress timeout, or for the production router the deadline.
func (e *engine) callTimeout(c *rtCall) {
	switch c.state {
	case callWaiting:
		e.rt.nWaiting--
	case callServing:
		e.release(c.rep)
	default:
		return
	}
	c.state = callCut
	if e.prod != nil {
		e.prod.tracker.End(e.wall(), e.now-c.began, c.req.Size, live.Failed)
		e.prod.fallback(e, c.req)
		return
	}
	e.failed(c.req, "realtime_timeout")
}

func (e *engine) release(r *replica) {
	r.busy--
	e.rt.serving--
	if r.draining && r.busy == 0 {
		e.removeReplica(r)
		return
	}
	e.fill(r)
}

func (e *engine) removeReplica(r *replica) {
	if r.removed {
		return
	}
	r.removed = true
	e.rt.seconds += (e.now - r.started).Seconds()
	for i, x := range e.rt.replicas {
		if x == r {
			e.rt.replicas = append(e.rt.replicas[:i], e.rt.replicas[i+1:]...)
			break
		}
	}
}

// scalePoll records the highest need since the previous poll and scales in
// to the highest need recorded within the scale-down delay: so a replica
// goes at the first poll after a whole delay without need for it. Replicas
// still starting go first, then the least busy; a busy replica drains
// (takes no new requests) and goes when empty.
func (e *engine) scalePoll() {
	e.rt.need = append(e.rt.need, needSample{e.now, max(e.rt.peak, e.rtNeed())})
	e.rt.peak = e.rtNeed()
	for len(e.rt.need) > 0 && e.rt.need[0].at <= e.now-e.p.ScaleDownDelay {
		e.rt.need = e.rt.need[1:]
	}
	keep := 0
	for _, s := range e.rt.need {
		keep = max(keep, s.need)
	}
	for e.rtActive() > keep {
		var victim *replica
		for _, r := range e.rt.replicas {
			if !r.draining && (victim == nil || scaleInBefore(r, victim)) {
				victim = r
			}
		}
		if victim.busy == 0 {
			e.removeReplica(victim)
		} else {
			victim.draining = true
		}
	}
	e.rtScaleOut()
}

// scaleInBefore orders scale-in victims: replicas still starting (newest
// first), then ready ones with the fewest requests.
func scaleInBefore(a, b *replica) bool {
	switch {
	case a.ready != b.ready:
		return !a.ready
	case !a.ready:
		return a.started > b.started
	}
	return a.busy < b.busy
}
