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

// production is the router's own decision: router.Decide over the State
// that the router's live.Tracker builds from the simulated traffic, fed by
// the same events as in router/http (Begin when a realtime request leaves,
// End when it is answered — a model-time sample only if a replica was known
// to be up when it left — or fails, ObserveBatch when a job finishes,
// SetQueueDepth from periodic queue-depth reads).
type production struct {
	tracker  *live.Tracker
	settings router.Settings
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
}

func (p *production) route(e *engine, r *Request) (router.Route, string, string) {
	req := router.Request{Mode: r.Mode, Deadline: r.Deadline, Size: r.Size}
	if p.openAI && r.Mode == router.ModeBatch {
		req.Deadline = 0
	}
	d := router.Decide(req, p.tracker.Snapshot(e.wall()), p.settings)
	if d.Urgent {
		p.tracker.UrgentArrival(e.wall())
	}
	p.urgent[r.ID], p.expedite[r.ID] = d.Urgent, d.Expedite
	return d.Route, string(d.Reason), d.Code
}

// keepWarm asks router.KeepWarm, as the router's keep-warm loop does, and
// sends the app a keep-warm request when it says so.
func (p *production) keepWarm(e *engine) {
	if !router.KeepWarm(p.tracker.Snapshot(e.wall()), p.settings) {
		return
	}
	p.pings++
	e.rtPing()
	p.tracker.Pinged(e.wall())
}

// fallback applies router.Fallback to a realtime request cut at its
// deadline, as the router's proxy does: an auto request that batch can
// still serve in time becomes a job, anything else is refused.
func (p *production) fallback(e *engine, r *Request) {
	if p.expedite[r.ID] {
		// The dispatcher releases the job's message: the pool runs it.
		e.batchSubmit(r)
		return
	}
	d := router.Fallback(router.Request{Mode: r.Mode, Deadline: r.Deadline, Size: r.Size}, p.tracker.Snapshot(e.wall()), p.settings)
	o := &e.out[r.ID]
	o.Fallback = string(d.Reason)
	if d.Route == router.RouteBatch {
		o.Route = router.RouteBatch
		e.batchSubmit(r)
		return
	}
	e.failed(r, "realtime_cut_"+d.Code)
}
