package sim

import (
	"math"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

// replica is one inference app replica (one GPU) serving its requests as
// concurrent streams (continuous batching).
type replica struct {
	id       int
	started  time.Duration
	ready    bool
	draining bool
	removed  bool
	streams  []*rtCall
	// last is when the streams' remaining work was last advanced; gen
	// invalidates a scheduled stream end when the stream count changes.
	last time.Duration
	gen  uint64
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
	// left is the single-stream seconds of work still to do.
	left float64
	// replicaUp is the production router's State.ReplicaUp when the call
	// left: only then is its answer time a model-time sample.
	replicaUp bool
}

// realtimePool models the Container Apps GPU app: the HTTP rule adds
// replicas up to ceil(in flight / concurrency); the ingress sends each
// request to the ready replica with the fewest streams (a FIFO holds
// requests while none is ready or all run MaxStreams); scale-in follows the
// platform's stabilization window, and the cooldown takes an app without
// requests to its minimum.
type realtimePool struct {
	replicas []*replica
	waiting  []*rtCall
	nWaiting int // waiting calls not cut
	serving  int
	nextID   int
	need     []needSample
	peak     int // highest need since the last evaluation
	// lastActive is the last time a request was in flight.
	lastActive time.Duration
	seconds    float64 // replica-seconds billed
	waking     bool    // the router's wake request is under way
}

type needSample struct {
	at   time.Duration
	need int
}

func (e *engine) rtInFlight() int { return e.rt.serving + e.rt.nWaiting }

// startMinReplicas brings up the app's minimum replicas, warm, at the start.
func (e *engine) startMinReplicas() {
	for range min(e.p.MinReplicas, e.p.MaxReplicas) {
		r := &replica{id: e.rt.nextID, ready: true}
		e.rt.nextID++
		e.rt.replicas = append(e.rt.replicas, r)
	}
}

// rtSubmit sends req to the inference app at now.
func (e *engine) rtSubmit(req *Request) {
	c := &rtCall{req: req, began: e.now}
	if e.prod != nil {
		st := e.prod.tracker.Snapshot(e.wall())
		c.replicaUp = st.ReplicaUp(e.prod.settings)
		e.prod.tracker.Begin(e.wall())
		if !c.replicaUp {
			e.prod.tracker.BeginCold(e.wall(), st.BeginsColdStart(e.prod.settings))
		}
		if e.prod.urgent[req.ID] {
			e.prod.tracker.BeginUrgent(e.wall())
		}
	}
	limit := e.p.IngressTimeout
	if e.prod != nil && req.Deadline > 0 {
		// The router's proxy gives the app the time left of the deadline.
		limit = min(limit, req.Deadline)
	}
	e.schedule(event{at: e.now + limit, kind: evCallTimeout, call: c})
	e.rt.lastActive = e.now
	if r := e.freeReplica(); r != nil {
		e.serve(c, r)
	} else {
		e.rt.waiting = append(e.rt.waiting, c)
		e.rt.nWaiting++
	}
	e.rtScaleOut()
}

// rtPing is the router's keep-warm request: an instant request that counts
// as activity for the cooldown and as a need of one replica.
func (e *engine) rtPing() {
	e.rt.lastActive = e.now
	e.rt.peak = max(e.rt.peak, 1)
}

// freeReplica is the ready, non-draining replica with the fewest streams
// and room for one more (lowest id on ties), or nil.
func (e *engine) freeReplica() *replica {
	var best *replica
	for _, r := range e.rt.replicas {
		if r.ready && !r.draining && len(r.streams) < e.p.Throughput.MaxStreams && (best == nil || len(r.streams) < len(best.streams)) {
			best = r
		}
	}
	return best
}

// advance brings r's streams' remaining work up to now at the speed of the
// stream count they ran at.
func (e *engine) advance(r *replica) {
	if dt := (e.now - r.last).Seconds(); dt > 0 && len(r.streams) > 0 {
		done := dt * e.p.Throughput.Speed(len(r.streams))
		for _, c := range r.streams {
			c.left -= done
		}
	}
	r.last = e.now
}

// reschedule schedules r's next stream end at the current stream count.
func (e *engine) reschedule(r *replica) {
	r.gen++
	if len(r.streams) == 0 {
		return
	}
	least := r.streams[0].left
	for _, c := range r.streams[1:] {
		least = min(least, c.left)
	}
	wait := time.Duration(math.Ceil(max(least, 0) / e.p.Throughput.Speed(len(r.streams)) * 1e9))
	e.schedule(event{at: e.now + wait, kind: evStreamDone, rep: r, gen: r.gen})
}

func (e *engine) serve(c *rtCall, r *replica) {
	e.advance(r)
	c.state, c.rep = callServing, r
	c.left = e.p.Throughput.ServiceTime(c.req.ContextTokens, c.req.GeneratedTokens).Seconds()
	r.streams = append(r.streams, c)
	e.rt.serving++
	e.reschedule(r)
}

// fill gives waiting calls to r's free stream slots.
func (e *engine) fill(r *replica) {
	for r.ready && !r.draining && !r.removed && len(r.streams) < e.p.Throughput.MaxStreams && len(e.rt.waiting) > 0 {
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
	fresh := e.prod.tracker.Snapshot(e.wall()).BeginsColdStart(e.prod.settings)
	e.prod.tracker.Begin(e.wall())
	e.prod.tracker.BeginCold(e.wall(), fresh)
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
	r.last = e.now
	e.fill(r)
}

// streamDone ends the streams of r whose work is done.
func (e *engine) streamDone(r *replica, gen uint64) {
	if r.removed || r.gen != gen {
		return
	}
	e.advance(r)
	const eps = 1e-6 // seconds of work: rounding of the scheduled time
	kept := r.streams[:0]
	var done []*rtCall
	for _, c := range r.streams {
		if c.left <= eps {
			done = append(done, c)
		} else {
			kept = append(kept, c)
		}
	}
	r.streams = kept
	e.rt.serving -= len(done)
	e.rt.lastActive = e.now
	for _, c := range done {
		c.state = callDone
		e.answered(c.req, e.now, "")
		if e.prod != nil {
			// As router/http does: an answer shows the app is up; it is a
			// model-time sample only if a replica was up when the call left.
			a := live.AnsweredCold
			if c.replicaUp {
				a = live.AnsweredWarm
			}
			e.prod.endCall(e, c, a)
		}
	}
	e.afterRelease(r)
}

// afterRelease drains or refills r once streams left it.
func (e *engine) afterRelease(r *replica) {
	if r.draining && len(r.streams) == 0 {
		e.removeReplica(r)
		return
	}
	e.reschedule(r)
	e.fill(r)
}

// callTimeout cuts a call still waiting or running at its limit: the
// ingress timeout, or for the production router the deadline.
func (e *engine) callTimeout(c *rtCall) {
	switch c.state {
	case callWaiting:
		e.rt.nWaiting--
	case callServing:
		r := c.rep
		e.advance(r)
		for i, x := range r.streams {
			if x == c {
				r.streams = append(r.streams[:i], r.streams[i+1:]...)
				break
			}
		}
		e.rt.serving--
		e.afterRelease(r)
	default:
		return
	}
	c.state = callCut
	e.rt.lastActive = e.now
	if e.prod != nil {
		e.prod.endCall(e, c, live.Failed)
		e.prod.fallback(e, c.req)
		return
	}
	e.failed(c.req, "realtime_timeout")
}

// endCall tells the tracker a realtime call ended, as router/http does.
func (p *production) endCall(e *engine, c *rtCall, a live.Answer) {
	if p.urgent[c.req.ID] {
		p.tracker.EndUrgent(e.wall())
	}
	p.tracker.End(e.wall(), e.now-c.began, c.req.Size, a)
}

func (e *engine) removeReplica(r *replica) {
	if r.removed {
		return
	}
	r.removed = true
	r.gen++
	e.rt.seconds += (e.now - r.started).Seconds()
	for i, x := range e.rt.replicas {
		if x == r {
			e.rt.replicas = append(e.rt.replicas[:i], e.rt.replicas[i+1:]...)
			break
		}
	}
}

// scaleEval is the platform's periodic scale decision. It records the
// highest need since the previous one and keeps the highest need recorded
// within the scale-down stabilization window (at least one replica while
// requests flow); once no request has been in flight for the cooldown
// period the app goes to its minimum replicas. Replicas still starting go
// first, then the least busy; a busy replica drains (takes no new request)
// and goes when empty.
func (e *engine) scaleEval() {
	e.rt.need = append(e.rt.need, needSample{e.now, max(e.rt.peak, e.rtNeed())})
	e.rt.peak = e.rtNeed()
	for len(e.rt.need) > 0 && e.rt.need[0].at <= e.now-e.p.ScaleDownStabilization {
		e.rt.need = e.rt.need[1:]
	}
	keep := 0
	for _, s := range e.rt.need {
		keep = max(keep, s.need)
	}
	keep = max(keep, 1)
	if e.rtInFlight() == 0 && e.now-e.rt.lastActive >= e.p.Cooldown {
		keep = 0
		e.rt.need = e.rt.need[:0]
	}
	keep = max(keep, min(e.p.MinReplicas, e.p.MaxReplicas))
	for e.rtActive() > keep {
		var victim *replica
		for _, r := range e.rt.replicas {
			if !r.draining && (victim == nil || scaleInBefore(r, victim)) {
				victim = r
			}
		}
		if len(victim.streams) == 0 {
			e.removeReplica(victim)
		} else {
			victim.draining = true
		}
	}
	e.rtScaleOut()
}

// scaleInBefore orders scale-in victims: replicas still starting (newest
// first), then ready ones with the fewest streams.
func scaleInBefore(a, b *replica) bool {
	switch {
	case a.ready != b.ready:
		return !a.ready
	case !a.ready:
		return a.started > b.started
	}
	return len(a.streams) < len(b.streams)
}
