package sim

import (
	"fmt"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

// Policy names, in report order.
const (
	Production      = "production"
	AllRealtime     = "all-realtime"
	AllBatch        = "all-batch"
	RecipeThreshold = "recipe-threshold"
	LowerBound      = "lower-bound"
	// OpenAIAPI is the production router with every caller on the
	// OpenAI-compatible API: interactive requests are chat completions,
	// which the router decides as X-Route: realtime and never turns into
	// jobs; deferrable ones are lines of Batch API batches, X-Route: batch.
	OpenAIAPI = "openai-api"
)

// PolicyNames lists every policy in report order.
var PolicyNames = []string{Production, OpenAIAPI, AllRealtime, AllBatch, RecipeThreshold, LowerBound}

// openAIRequests is reqs as OpenAI clients send them: the mode follows
// from the endpoint the class uses, whatever X-Route the rule drew.
func openAIRequests(reqs []Request) []Request {
	out := make([]Request, len(reqs))
	for i, r := range reqs {
		r.Mode = router.ModeRealtime
		if r.Class == Deferrable {
			r.Mode = router.ModeBatch
		}
		out[i] = r
	}
	return out
}

// RecipeThresholdValue is the recipe's static rule: X-Deadline-Ms of at most
// 2000 goes to Container Apps, everything else to Batch — no cost, warmth or
// X-Route awareness.
const RecipeThresholdValue = 2000 * time.Millisecond

// routeFunc chooses a route for a request on arrival; it returns the route,
// a reason label and, for a rejection, the error code.
type routeFunc func(e *engine, r *Request) (router.Route, string, string)

func staticPolicy(name string) (routeFunc, error) {
	switch name {
	case AllRealtime:
		return func(*engine, *Request) (router.Route, string, string) {
			return router.RouteRealtime, "all_realtime", ""
		}, nil
	case AllBatch:
		return func(*engine, *Request) (router.Route, string, string) { return router.RouteBatch, "all_batch", "" }, nil
	case RecipeThreshold:
		return func(_ *engine, r *Request) (router.Route, string, string) {
			if r.Deadline > 0 && r.Deadline <= RecipeThresholdValue {
				return router.RouteRealtime, "below_threshold", ""
			}
			return router.RouteBatch, "above_threshold", ""
		}, nil
	}
	return nil, fmt.Errorf("sim: unknown policy %q; known: %v", name, PolicyNames)
}

// production is a region's router and its own decision: router.Decide over
// the State that the live.Tracker of the request's model revision on the
// router replica that received it builds from the simulated traffic, fed by the
// same events as in router/http (Begin when a realtime request leaves, End
// when it is answered — a model-time sample only if a replica was known to
// be up when it left — or fails, ObserveBatch when a job finishes,
// SetQueueDepth from periodic queue-depth reads), and shared between
// replicas as router/fleet shares it (routers.go).
type production struct {
	e   *engine
	reg *region
	// fleet are the router replicas, each with its catalog of the region's
	// models (routers.go).
	fleet *fleet
	// urgent is Decision.Urgent per request ID, for the tracker's urgent
	// in-flight count; pings counts keep-warm requests.
	urgent []bool
	// expedite is Decision.Expedite per request ID: a job the dispatcher
	// runs on the app, back to the pool if the call is cut.
	expedite []bool
	pings    int
	// openAI: every caller is on the OpenAI-compatible API. A refusal for
	// cold_start_too_slow sends the router's wake request, as the front
	// door does (router/http/openai.go); a Batch API line carries no
	// deadline of its own (the batch's window is 24 h), so none is ever
	// expedited.
	openAI bool
	// canaries are the models' canary revisions under analysis (canary.go).
	canaries *canaries
}

func newProduction(e *engine, reg *region, openAI bool) (*production, error) {
	p := &production{e: e, reg: reg, openAI: openAI, urgent: make([]bool, len(e.reqs)), expedite: make([]bool, len(e.reqs))}
	for _, m := range reg.models {
		if err := m.Settings.Validate(); err != nil {
			return nil, fmt.Errorf("sim: model %s: router settings: %w", m.Name, err)
		}
	}
	var err error
	if p.fleet, err = newFleet(e, reg); err != nil {
		return nil, err
	}
	p.canaries = newCanaries(e, reg, p.fleet)
	return p, nil
}

// routeInRegion is the routed policies' routeFunc: the router of the
// region whose model r asks for decides.
func routeInRegion(e *engine, r *Request) (router.Route, string, string) {
	return e.regionOf(r).prod.route(e, r)
}

// settings are model m's routing settings.
func (p *production) settings(m int) router.Settings { return p.e.models[m].Settings }

// schedule starts the router's periodic duties.
func (p *production) schedule() {
	p.e.schedule(event{at: 0, kind: evDepthPoll, reg: p.reg})
	p.fleet.schedule()
	p.canaries.schedule()
}

func (p *production) route(e *engine, r *Request) (router.Route, string, string) {
	req := router.Request{Mode: r.Mode, Deadline: r.Deadline, Size: r.Size}
	if p.openAI && r.Mode == router.ModeBatch {
		req.Deadline = 0
	}
	rev := p.fleet.receive(r)
	p.canaries.picked[r.ID] = e.rev[r.ID] != 0
	d := router.Decide(req, rev.Tracker.Snapshot(e.wall()), p.settings(r.Model))
	if d.Urgent {
		rev.Tracker.UrgentArrival(e.wall())
	}
	p.urgent[r.ID], p.expedite[r.ID] = d.Urgent, d.Expedite
	return d.Route, string(d.Reason), d.Code
}

// beginCall records a realtime call leaving for its app, on the tracker of
// its revision on the replica that sends it, as router/http (or the
// dispatcher, for an expedited job) does.
func (p *production) beginCall(c *rtCall) {
	r := c.req
	c.rev = p.fleet.revision(p.fleet.via[r.ID], r.Model, c.app.rev)
	c.tracker = c.rev.Tracker
	now, s := p.e.wall(), p.settings(r.Model)
	st := c.tracker.Snapshot(now)
	c.replicaUp = st.ReplicaUp(s)
	c.tracker.Begin(now)
	if !c.replicaUp {
		c.tracker.BeginCold(now, st.BeginsColdStart(s))
	}
	if p.urgent[r.ID] {
		c.tracker.BeginUrgent(now)
	}
	c.fails = p.canaries.fails(c.app)
}

// callAnswered ends a call the app answered: with the model's answer, or
// with an error (a failing canary's).
func (p *production) callAnswered(c *rtCall) {
	if c.fails {
		p.endCall(c, live.Failed)
		p.canaries.failedAnswer(c)
		return
	}
	p.e.answered(c.req, p.e.now)
	p.endCall(c, live.AnswerOf(true, c.replicaUp))
}

// callCut ends a call cut at its deadline (or the ingress timeout) and
// applies the fallback.
func (p *production) callCut(c *rtCall) {
	p.endCall(c, live.Failed)
	p.fallback(c)
}

// endCall tells the tracker a realtime call ended, and the revision's
// evidence a proxied call's outcome, as router/http does.
func (p *production) endCall(c *rtCall, a live.Answer) {
	now, took := p.e.wall(), p.e.now-c.began
	if p.urgent[c.req.ID] {
		c.tracker.EndUrgent(now)
	}
	c.tracker.End(now, took, c.req.Size, a)
	if c.proxied {
		c.rev.Stats.Record(now, took, a == live.Failed)
	}
}

// fallback applies router.Fallback to a realtime call cut at its deadline,
// as the router's proxy does: an auto request that batch can still serve in
// time becomes a job (of the revision the call went to), anything else is
// refused.
func (p *production) fallback(c *rtCall) {
	e, r := p.e, c.req
	if p.expedite[r.ID] {
		// The dispatcher releases the job's message: the pool runs it.
		e.batchSubmit(r)
		return
	}
	d := router.Fallback(router.Request{Mode: r.Mode, Deadline: r.Deadline, Size: r.Size}, c.tracker.Snapshot(e.wall()), p.settings(r.Model))
	o := &e.out[r.ID]
	o.Fallback = string(d.Reason)
	if d.Route == router.RouteBatch {
		o.Route = router.RouteBatch
		e.batchSubmit(r)
		return
	}
	e.failed(r, "realtime_cut_"+d.Code)
}

// jobDone finishes a job of task t: its answer (or a failing canary's
// error line), and its time from enqueue to result on the tracker of its
// revision at the dispatcher that ran it.
func (p *production) jobDone(t *task, j *job) {
	e := p.e
	if p.canaries.fails(e.models[t.model].apps[t.rev]) {
		p.canaries.lineFailed(t.model)
		e.failed(j.req, "batch_line_failed")
	} else {
		e.answered(j.req, e.now)
	}
	p.fleet.revision(t.gatherer, t.model, t.rev).Tracker.ObserveBatch(e.wall(), e.now-j.enqueued)
}
