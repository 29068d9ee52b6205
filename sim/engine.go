package sim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
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
	p     Params
	reqs  []Request
	start time.Time
	now   time.Duration
	seq   uint64
	q     eventQueue
	rng   *rand.Rand
	route routeFunc
	prod  *production
	out   []Outcome
	open  int // requests not yet answered or failed
	end   time.Duration
	rt    realtimePool
	bp    batchPool
}

func (e *engine) wall() time.Time { return e.start.Add(e.now) }

func (e *engine) answered(r *Request, at time.Duration, _ string) {
	o := &e.out[r.ID]
	o.Answered, o.Latency = true, at-r.Arrival
	e.open--
}

func (e *engine) failed(r *Request, why string) {
	e.out[r.ID].Failure = why
	e.open--
}

// live reports whether anything is still going on that periodic events must
// watch.
func (e *engine) live() bool {
	return e.now < e.end && (e.open > 0 || len(e.rt.replicas) > e.p.MinReplicas || len(e.bp.nodes) > 0 || e.bp.target > 0)
}

// run replays reqs under one simulated policy (not lower-bound). start is
// the wall time of the first request; settings are the router's, used by
// production only.
func run(reqs []Request, start time.Time, policy string, p Params, settings router.Settings, seed uint64) ([]Outcome, runTotals, error) {
	if err := p.Validate(); err != nil {
		return nil, runTotals{}, err
	}
	text, err := p.Formula()
	if err != nil {
		return nil, runTotals{}, fmt.Errorf("sim: build formula: %w", err)
	}
	f, err := autoscale.Parse(text)
	if err != nil {
		return nil, runTotals{}, fmt.Errorf("sim: parse formula: %w", err)
	}
	e := &engine{
		p: p, reqs: reqs, start: start, out: make([]Outcome, len(reqs)), open: len(reqs),
		rng: rand.New(rand.NewPCG(seed, 0x5eed0f5b07)),
		bp:  batchPool{formula: f, hist: map[string][]autoscale.Sample{}, dealloc: "requeue"},
	}
	if len(reqs) > 0 {
		e.end = reqs[len(reqs)-1].Arrival + p.Horizon
	}
	if policy == Production || policy == OpenAIAPI {
		if err := settings.Validate(); err != nil {
			return nil, runTotals{}, fmt.Errorf("sim: router settings: %w", err)
		}
		e.prod = &production{tracker: new(live.Tracker), settings: settings, urgent: make([]bool, len(reqs)),
			expedite: make([]bool, len(reqs)), openAI: policy == OpenAIAPI}
		e.route = e.prod.route
		e.schedule(event{at: 0, kind: evDepthPoll})
		e.schedule(event{at: p.KeepWarmInterval, kind: evKeepWarm})
	} else if e.route, err = staticPolicy(policy); err != nil {
		return nil, runTotals{}, err
	}
	for i := range reqs {
		e.schedule(event{at: reqs[i].Arrival, kind: evArrival, req: i})
	}
	e.schedule(event{at: 0, kind: evSample})
	e.schedule(event{at: 0, kind: evEvaluate})
	e.schedule(event{at: p.ScaleEvalInterval, kind: evScaleEval})
	e.startMinReplicas()

	for e.q.Len() > 0 {
		ev := heap.Pop(&e.q).(event)
		if ev.at > e.end {
			break
		}
		if ev.kind == evPreempt && ev.node.removed {
			continue // a node long gone: do not advance the clock to it
		}
		e.now = ev.at
		switch ev.kind {
		case evArrival:
			e.arrive(&e.reqs[ev.req])
		case evReplicaReady:
			e.replicaReady(ev.rep)
		case evStreamDone:
			e.streamDone(ev.rep, ev.gen)
		case evWoken:
			e.woken()
		case evCallTimeout:
			e.callTimeout(ev.call)
		case evScaleEval:
			e.scaleEval()
			e.again(ev, p.ScaleEvalInterval)
		case evDispatch:
			e.dispatchTimer()
		case evNodeReady:
			e.nodeReady(ev.node, ev.gen)
		case evTaskDone:
			e.taskDone(ev.node, ev.gen)
		case evPreempt:
			e.preempt(ev.node)
		case evSample:
			e.sample()
			e.again(ev, autoscale.SamplePeriod)
		case evEvaluate:
			e.evaluate()
			e.again(ev, p.EvaluationInterval)
		case evKeepWarm:
			e.prod.keepWarm(e)
			e.again(ev, p.KeepWarmInterval)
		case evDepthPoll:
			e.prod.tracker.SetQueueDepth(e.wall(), e.bp.stored)
			e.again(ev, p.QueueDepthPoll)
		}
	}
	// A run cut at the horizon bills what is still running until then and
	// counts unfinished requests as failed.
	for len(e.rt.replicas) > 0 {
		e.removeReplica(e.rt.replicas[0])
	}
	for len(e.bp.nodes) > 0 {
		e.removeNode(e.bp.nodes[0])
	}
	for i := range e.out {
		if !e.out[i].Answered && e.out[i].Failure == "" {
			e.out[i].Failure = "unfinished"
		}
	}
	pings := 0
	if e.prod != nil {
		pings = e.prod.pings
	}
	return e.out, runTotals{
		pings:           pings,
		realtimeSeconds: e.rt.seconds, batchSeconds: e.bp.seconds,
		evalFailures: e.bp.evalFails, preemptions: e.bp.preempts, end: e.now,
	}, nil
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

func (e *engine) arrive(r *Request) {
	route, reason, code := e.route(e, r)
	o := &e.out[r.ID]
	o.Route, o.Reason = route, reason
	switch route {
	case router.RouteRealtime:
		e.rtSubmit(r)
	case router.RouteBatch:
		if e.prod != nil && e.prod.expedite[r.ID] {
			e.rtSubmit(r) // a job the dispatcher runs on the app
			return
		}
		e.batchSubmit(r)
	default:
		e.failed(r, "rejected_"+code)
		if e.prod != nil && reason == string(router.ReasonColdStartTooSlow) {
			e.wake()
		}
	}
}

// runTotals are a run's capacity figures.
type runTotals struct {
	realtimeSeconds, batchSeconds float64
	evalFailures, preemptions     int
	pings                         int
	end                           time.Duration
}
