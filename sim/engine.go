package sim

import (
	"container/heap"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/rollout"
)

// Outcome is what happened to one request under one policy.
type Outcome struct {
	// Route is where the request ended up; Reason is the policy's label
	// for its first decision (router.Reason for production).
	Route  router.Route
	Reason string
	// Fallback is router.Fallback's reason when a production realtime call
	// was cut at its deadline.
	Fallback string
	// Offered: refused in its region for its deadline, the request was
	// offered to peer regions (spill-over); Peer names the one that took
	// it, whose answer (or error) the caller got, the round trip included.
	Offered bool
	Peer    string
	// Answered is true when the caller got the model's answer, after
	// Latency; Failure says why not otherwise.
	Answered bool
	Latency  time.Duration
	Failure  string
}

// Missed reports whether the request was not answered within its deadline.
func (o Outcome) Missed(r Request) bool {
	return !o.Answered || (r.Deadline > 0 && o.Latency > r.Deadline)
}

type engine struct {
	rp    *replay
	reqs  []Request
	now   time.Duration
	seq   uint64
	q     eventQueue
	route routeFunc
	out   []Outcome
	open  int // requests not yet answered or failed
	end   time.Duration
	// regions are the run's regions (one unless several are replayed);
	// models every region's models, by index; apps every model revision's
	// GPU app (models[i].apps), pools the Batch pools, one per GPU type and
	// region.
	regions []*region
	models  []*simModel
	apps    []*app
	pools   []*pool
	// rev is the revision of its model each request is on now (0: stable):
	// the one the split picked, stable after a retry.
	rev []int
}

func (e *engine) wall() time.Time { return e.rp.start.Add(e.now) }

// answered records r's answer at at, as its caller gets it: after the way
// back from the region that served it, since the caller sent it.
func (e *engine) answered(r *Request, at time.Duration) {
	o := &e.out[r.ID]
	o.Answered, o.Latency = true, at+r.Hop-e.reqs[r.ID].Arrival
	e.open--
}

func (e *engine) failed(r *Request, why string) {
	e.out[r.ID].Failure = why
	e.open--
}

// live reports whether anything is still going on that periodic events must
// watch.
func (e *engine) live() bool {
	if e.now >= e.end {
		return false
	}
	if e.open > 0 {
		return true
	}
	for _, a := range e.apps {
		if len(a.replicas) > a.p.MinReplicas {
			return true
		}
	}
	for _, b := range e.pools {
		if len(b.nodes) > 0 || b.target > 0 {
			return true
		}
	}
	return false
}

// run replays rp under one simulated policy (not lower-bound).
func run(rp *replay, policy string) ([]Outcome, runTotals, error) {
	e, err := newEngine(rp, policy)
	if err != nil {
		return nil, runTotals{}, err
	}
	e.loop()
	return e.out, e.totals(), nil
}

// newEngine sets up a run of rp under policy, its first events scheduled.
func newEngine(rp *replay, policy string) (*engine, error) {
	e := &engine{
		rp: rp, reqs: rp.reqs, out: make([]Outcome, len(rp.reqs)), open: len(rp.reqs), rev: make([]int, len(rp.reqs)),
	}
	if n := len(rp.reqs); n > 0 {
		e.end = rp.reqs[n-1].Arrival + rp.horizon()
	}
	routed := policy == Production || policy == OpenAIAPI
	if err := e.build(routed); err != nil {
		return nil, err
	}
	var err error
	if routed {
		for _, reg := range e.regions {
			if reg.prod, err = newProduction(e, reg, policy == OpenAIAPI); err != nil {
				return nil, err
			}
			reg.prod.schedule()
		}
		e.route = routeInRegion
	} else if e.route, err = staticPolicy(policy); err != nil {
		return nil, err
	}
	for i := range rp.reqs {
		e.schedule(event{at: rp.reqs[i].Arrival, kind: evArrival, req: i})
	}
	for _, b := range e.pools {
		e.schedule(event{at: 0, kind: evSample, pool: b})
		e.schedule(event{at: 0, kind: evEvaluate, pool: b})
	}
	for _, a := range e.apps {
		e.schedule(event{at: a.p.ScaleEvalInterval, kind: evScaleEval, app: a})
		a.startMinReplicas()
	}
	return e, nil
}

// loop runs the events to the end. A run cut at the horizon bills what is
// still running until then and counts unfinished requests as failed.
func (e *engine) loop() {
	for e.q.Len() > 0 {
		ev := heap.Pop(&e.q).(event)
		if ev.at > e.end {
			break
		}
		if ev.kind == evPreempt && ev.node.removed {
			continue // a node long gone: do not advance the clock to it
		}
		e.now = ev.at
		e.handle(ev)
	}
	for _, a := range e.apps {
		for len(a.replicas) > 0 {
			a.removeReplica(a.replicas[0])
		}
	}
	for _, b := range e.pools {
		for len(b.nodes) > 0 {
			b.removeNode(b.nodes[0])
		}
	}
	for i := range e.out {
		if !e.out[i].Answered && e.out[i].Failure == "" {
			e.out[i].Failure = "unfinished"
		}
	}
}

func (e *engine) handle(ev event) {
	switch ev.kind {
	case evArrival:
		e.arrive(&e.reqs[ev.req])
	case evReplicaReady:
		ev.rep.app.replicaReady(ev.rep)
	case evStreamDone:
		ev.rep.app.streamDone(ev.rep, ev.gen)
	case evCallTimeout:
		ev.call.app.callTimeout(ev.call)
	case evWakeTimeout:
		ev.app.wakeTimeout(ev.gen)
	case evScaleEval:
		ev.app.scaleEval()
		e.again(ev, ev.app.p.ScaleEvalInterval)
	case evDispatch:
		ev.queue.timer()
	case evNodeReady:
		ev.node.pool.nodeReady(ev.node, ev.gen)
	case evTaskDone:
		ev.node.pool.taskDone(ev.node, ev.gen)
	case evPreempt:
		ev.node.pool.preempt(ev.node)
	case evSample:
		ev.pool.sample()
		e.again(ev, autoscale.SamplePeriod)
	case evEvaluate:
		ev.pool.evaluate()
		e.again(ev, ev.pool.p.EvaluationInterval)
	case evKeepWarm:
		ev.reg.prod.keepWarm(ev.router)
		e.again(ev, ev.reg.models[0].Params.KeepWarmInterval)
	case evDepthPoll:
		ev.reg.prod.readDepth()
		e.again(ev, ev.reg.models[0].Params.QueueDepthPoll)
	case evSync:
		ev.reg.prod.sync(ev.router)
		e.again(ev, e.rp.routers.Sync)
	case evAnalyse:
		ev.reg.prod.canaries.analyse(ev.router)
		e.again(ev, rollout.Every)
	case evOffered:
		e.offered(ev.fwd)
	case evDeclined:
		e.declined(ev.fwd)
	}
}

// again reschedules a periodic event while there is something to watch.
func (e *engine) again(ev event, every time.Duration) {
	if e.live() || ev.at < e.lastArrival() {
		ev.at += every
		e.schedule(ev)
	}
}

func (e *engine) lastArrival() time.Duration {
	if len(e.reqs) == 0 {
		return 0
	}
	return e.reqs[len(e.reqs)-1].Arrival
}

// appOf is the app of the revision r is on now.
func (e *engine) appOf(r *Request) *app { return e.models[r.Model].apps[e.rev[r.ID]] }

func (e *engine) arrive(r *Request) {
	route, reason, code := e.route(e, r)
	o := &e.out[r.ID]
	o.Route, o.Reason = route, reason
	switch {
	case route != router.RouteReject:
		e.send(r, route)
	case !e.offer(r, reason, code):
		e.refuse(r, reason, code)
	}
}

// send sends r where its region's router routed it.
func (e *engine) send(r *Request, route router.Route) {
	p := e.regionOf(r).prod
	switch {
	case route == router.RouteRealtime:
		e.appOf(r).submit(r, true)
	case p != nil && p.expedite[r.ID]:
		e.appOf(r).submit(r, false) // a job the dispatcher runs on the app
	default:
		e.batchSubmit(r)
	}
}

// refuse answers r's refusal; a refusal for a cold start wakes the app, as
// the router does: refused requests never reach it.
func (e *engine) refuse(r *Request, reason, code string) {
	e.failed(r, "rejected_"+code)
	if p := e.regionOf(r).prod; p != nil && reason == string(router.ReasonColdStartTooSlow) {
		e.appOf(r).wake(p.fleet.via[r.ID])
	}
}

// batchSubmit queues r's job for the pool of its model's GPU, pinned to
// the revision it is on.
func (e *engine) batchSubmit(r *Request) {
	e.models[r.Model].pool.submit(r, e.rev[r.ID])
}

// usage is what one model's requests used: GPU-seconds billed on each path
// and their price.
type usage struct {
	realtimeSeconds, batchSeconds float64
	realtimeUSD, batchUSD         float64
}

func (u *usage) add(o usage) {
	u.realtimeSeconds += o.realtimeSeconds
	u.batchSeconds += o.batchSeconds
	u.realtimeUSD += o.realtimeUSD
	u.batchUSD += o.batchUSD
}

// runTotals are a run's capacity figures.
type runTotals struct {
	// models is each model's usage: its revisions' apps, and its share of
	// its pool by the node time its tasks took.
	models                    []usage
	evalFailures, preemptions int
	pings                     int
	end                       time.Duration
	canaries                  []CanaryResult
}

// of sums the usage of the models in ids (all when nil).
func (t runTotals) of(ids []int) usage {
	var u usage
	if ids == nil {
		for _, m := range t.models {
			u.add(m)
		}
		return u
	}
	for _, i := range ids {
		u.add(t.models[i])
	}
	return u
}

func (e *engine) totals() runTotals {
	tot := runTotals{models: make([]usage, len(e.models)), end: e.now}
	for _, a := range e.apps {
		u := &tot.models[a.model]
		u.realtimeSeconds += a.seconds
		u.realtimeUSD += a.seconds * a.p.ReplicaPricePerSecond()
	}
	for _, b := range e.pools {
		for _, m := range b.models {
			share := b.share(m)
			u := &tot.models[m]
			u.batchSeconds += b.seconds * share
			u.batchUSD += b.seconds * share * b.p.NodePricePerSecond()
		}
		tot.evalFailures += b.evalFails
		tot.preemptions += b.preempts
	}
	for _, reg := range e.regions {
		if p := reg.prod; p != nil {
			tot.pings += p.pings
			tot.canaries = append(tot.canaries, p.canaries.results(e.out)...)
		}
	}
	return tot
}
