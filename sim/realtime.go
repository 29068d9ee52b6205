package sim

import (
	"math"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// replica is one inference app replica (one GPU) serving its requests as
// concurrent streams (continuous batching).
type replica struct {
	app      *app
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
	app   *app
	began time.Duration
	rep   *replica
	state callState
	// left is the single-stream seconds of work still to do.
	left float64
	// The production router's view of the call: the tracker of the
	// revision on the router replica that sent it (and that revision, for
	// its Stats), and whether State.ReplicaUp held when it left: only then
	// is its answer time a model-time sample.
	tracker   *live.Tracker
	rev       *models.Revision
	replicaUp bool
	// proxied: the router's proxy sent it (not the dispatcher, for an
	// expedited job), so the revision's Stats count it. fails: the app
	// answers it with an error (a failing canary), after its model time.
	proxied, fails bool
}

// app models one Container Apps GPU app, a model revision's: the HTTP
// rule adds replicas up to ceil(in flight / concurrency); the ingress sends
// each request to the ready replica with the fewest streams (a FIFO holds
// requests while none is ready or all run MaxStreams); scale-in follows the
// platform's stabilization window, and the cooldown takes an app without
// requests in flight to its minimum. The router's wake request is in flight
// too, from when it reaches the app until the replica it waits for answers
// it.
type app struct {
	e *engine
	p Params
	// model and rev say whose app it is (rev 0: the stable revision).
	model, rev int
	// slower multiplies a request's model time here; failShare of the
	// answers fail (a canary's).
	slower    float64
	failShare float64

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
	// waking is the router's wake request waiting at the ingress for a
	// replica, or nil; wakes counts those sent.
	waking *wakeCall
	wakes  uint64
}

// wakeCall is the router's wake request to an app: sent at sent by router
// replica via; gen tells its timeout from a later wake's.
type wakeCall struct {
	via  int
	sent time.Duration
	gen  uint64
}

type needSample struct {
	at   time.Duration
	need int
}

// inFlight counts the requests at the app's ingress, as the HTTP rule
// does: calls waiting or served, and the router's wake request while it
// waits through the cold start (a GET like any other to the platform).
func (a *app) inFlight() int {
	n := a.serving + a.nWaiting
	if a.waking != nil {
		n++
	}
	return n
}

// startMinReplicas brings up the app's minimum replicas, warm, at the start.
func (a *app) startMinReplicas() {
	for range min(a.p.MinReplicas, a.p.MaxReplicas) {
		r := &replica{app: a, id: a.nextID, ready: true}
		a.nextID++
		a.replicas = append(a.replicas, r)
	}
}

// submit sends req to the app at now: through the router's proxy, or (not
// proxied) as an expedited job the dispatcher runs here.
func (a *app) submit(req *Request, proxied bool) {
	e := a.e
	c := &rtCall{req: req, app: a, began: e.now, proxied: proxied}
	limit := a.p.IngressTimeout
	if p := a.prod(); p != nil {
		p.beginCall(c)
		if req.Deadline > 0 {
			// The router's proxy gives the app the time left of the deadline.
			limit = min(limit, req.Deadline-(e.now-req.Arrival))
		}
	}
	e.schedule(event{at: e.now + limit, kind: evCallTimeout, call: c})
	a.lastActive = e.now
	if r := a.freeReplica(); r != nil {
		a.serve(c, r)
	} else {
		a.waiting = append(a.waiting, c)
		a.nWaiting++
	}
	a.scaleOut()
}

// ping is the router's keep-warm request: an instant request that counts
// as activity for the cooldown and as a need of one replica.
func (a *app) ping() {
	a.lastActive = a.e.now
	a.peak = max(a.peak, 1)
}

// freeReplica is the ready, non-draining replica with the fewest streams
// and room for one more (lowest id on ties), or nil.
func (a *app) freeReplica() *replica {
	var best *replica
	for _, r := range a.replicas {
		if r.ready && !r.draining && len(r.streams) < a.p.Throughput.MaxStreams && (best == nil || len(r.streams) < len(best.streams)) {
			best = r
		}
	}
	return best
}

// advance brings r's streams' remaining work up to now at the speed of the
// stream count they ran at.
func (a *app) advance(r *replica) {
	if dt := (a.e.now - r.last).Seconds(); dt > 0 && len(r.streams) > 0 {
		done := dt * a.p.Throughput.Speed(len(r.streams))
		for _, c := range r.streams {
			c.left -= done
		}
	}
	r.last = a.e.now
}

// reschedule schedules r's next stream end at the current stream count.
func (a *app) reschedule(r *replica) {
	r.gen++
	if len(r.streams) == 0 {
		return
	}
	least := r.streams[0].left
	for _, c := range r.streams[1:] {
		least = min(least, c.left)
	}
	wait := time.Duration(math.Ceil(max(least, 0) / a.p.Throughput.Speed(len(r.streams)) * 1e9))
	a.e.schedule(event{at: a.e.now + wait, kind: evStreamDone, rep: r, gen: r.gen})
}

func (a *app) serve(c *rtCall, r *replica) {
	a.advance(r)
	c.state, c.rep = callServing, r
	c.left = a.p.Throughput.ServiceTime(c.req.ContextTokens, c.req.GeneratedTokens).Seconds() * a.slower
	r.streams = append(r.streams, c)
	a.serving++
	a.reschedule(r)
}

// fill gives waiting calls to r's free stream slots.
func (a *app) fill(r *replica) {
	for r.ready && !r.draining && !r.removed && len(r.streams) < a.p.Throughput.MaxStreams && len(a.waiting) > 0 {
		c := a.waiting[0]
		a.waiting[0] = nil
		a.waiting = a.waiting[1:]
		if c.state != callWaiting {
			continue
		}
		a.nWaiting--
		a.serve(c, r)
	}
}

func (a *app) needNow() int {
	n := a.inFlight()
	return min(a.p.MaxReplicas, (n+a.p.ReplicaConcurrency-1)/a.p.ReplicaConcurrency)
}

func (a *app) active() int {
	n := 0
	for _, r := range a.replicas {
		if !r.draining {
			n++
		}
	}
	return n
}

// startReplica starts one replica: ready after the cold start.
func (a *app) startReplica() {
	r := &replica{app: a, id: a.nextID, started: a.e.now}
	a.nextID++
	a.replicas = append(a.replicas, r)
	a.e.schedule(event{at: a.e.now + a.p.ColdStart, kind: evReplicaReady, rep: r})
}

// scaleOut starts replicas (each a cold start) up to the current need.
func (a *app) scaleOut() {
	need := a.needNow()
	a.peak = max(a.peak, need)
	for a.active() < need {
		a.startReplica()
	}
}

// wake models the router's wake request after a cold refusal by router
// replica via (router/http/wake.go): a request in flight like any other,
// it makes the HTTP rule start a replica (a cold start) and waits at the
// ingress until a replica is ready to answer it, which tells via's tracker
// the app is up. Being in flight, it holds the replica against the
// cooldown, which counts from its answer. At most one is under way per app
// (the fleet's wake lease, and each replica's own flag). Like any request
// it is cut at the ingress timeout (the router's own limit, its
// REALTIME_TIMEOUT, is the same 240 s) if the cold start takes longer.
func (a *app) wake(via int) {
	if a.waking != nil || a.active() > 0 {
		return
	}
	a.wakes++
	a.waking = &wakeCall{via: via, sent: a.e.now, gen: a.wakes}
	a.e.schedule(event{at: a.e.now + a.p.IngressTimeout, kind: evWakeTimeout, app: a, gen: a.wakes})
	a.scaleOut()
	a.prod().wakeSent(a, via)
}

// wakeTimeout cuts wake number gen if it still waits: it was in flight
// until now, and its router learns nothing of a replica.
func (a *app) wakeTimeout(gen uint64) {
	w := a.waking
	if w == nil || w.gen != gen {
		return
	}
	a.waking = nil
	a.lastActive = a.e.now
	a.prod().wakeEnded(a, w.via, a.e.now-w.sent, live.Failed)
}

func (a *app) replicaReady(r *replica) {
	if r.removed {
		return
	}
	r.ready = true
	r.last = a.e.now
	a.fill(r)
	if w := a.waking; w != nil {
		// The wake request's answer: GET models needs no model time.
		a.waking = nil
		a.lastActive = a.e.now
		a.prod().wakeEnded(a, w.via, a.e.now-w.sent, live.AnsweredCold)
	}
}

// streamDone ends the streams of r whose work is done.
func (a *app) streamDone(r *replica, gen uint64) {
	if r.removed || r.gen != gen {
		return
	}
	a.advance(r)
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
	a.serving -= len(done)
	a.lastActive = a.e.now
	for _, c := range done {
		c.state = callDone
		if p := a.prod(); p != nil {
			p.callAnswered(c)
		} else {
			a.e.answered(c.req, a.e.now)
		}
	}
	a.afterRelease(r)
}

// afterRelease drains or refills r once streams left it.
func (a *app) afterRelease(r *replica) {
	if r.draining && len(r.streams) == 0 {
		a.removeReplica(r)
		return
	}
	a.reschedule(r)
	a.fill(r)
}

// callTimeout cuts a call still waiting or running at its limit: the
// ingress timeout, or for the production router the deadline.
func (a *app) callTimeout(c *rtCall) {
	switch c.state {
	case callWaiting:
		a.nWaiting--
	case callServing:
		r := c.rep
		a.advance(r)
		for i, x := range r.streams {
			if x == c {
				r.streams = append(r.streams[:i], r.streams[i+1:]...)
				break
			}
		}
		a.serving--
		a.afterRelease(r)
	default:
		return
	}
	c.state = callCut
	a.lastActive = a.e.now
	if p := a.prod(); p != nil {
		p.callCut(c)
		return
	}
	a.e.failed(c.req, "realtime_timeout")
}

func (a *app) removeReplica(r *replica) {
	if r.removed {
		return
	}
	r.removed = true
	r.gen++
	a.seconds += (a.e.now - r.started).Seconds()
	for i, x := range a.replicas {
		if x == r {
			a.replicas = append(a.replicas[:i], a.replicas[i+1:]...)
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
func (a *app) scaleEval() {
	now := a.e.now
	a.need = append(a.need, needSample{now, max(a.peak, a.needNow())})
	a.peak = a.needNow()
	for len(a.need) > 0 && a.need[0].at <= now-a.p.ScaleDownStabilization {
		a.need = a.need[1:]
	}
	keep := 0
	for _, s := range a.need {
		keep = max(keep, s.need)
	}
	keep = max(keep, 1)
	if a.inFlight() == 0 && now-a.lastActive >= a.p.Cooldown {
		keep = 0
		a.need = a.need[:0]
	}
	keep = max(keep, min(a.p.MinReplicas, a.p.MaxReplicas))
	for a.active() > keep {
		var victim *replica
		for _, r := range a.replicas {
			if !r.draining && (victim == nil || scaleInBefore(r, victim)) {
				victim = r
			}
		}
		if len(victim.streams) == 0 {
			a.removeReplica(victim)
		} else {
			victim.draining = true
		}
	}
	a.scaleOut()
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
