package sim

import (
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// lowerBound places each request alone at its cheapest option that meets
// its deadline, as if capacity were waiting for it and nothing else: no cold
// start, no node allocation, no queueing, no idle time, and only the
// request's own share of a GPU billed (its service time over the GPU's best
// throughput gain, at MaxStreams streams). Realtime answers in the service time; batch in the task
// start-up plus the service time (loading the model is unavoidable, but
// free here). The caller's X-Route limits the options. A request no option
// serves in time takes the fastest one allowed and is missed. No policy can
// answer faster or pay less for the same request. Each request is placed on
// its model's GPU.
func lowerBound(rp *replay) ([]Outcome, runTotals) {
	out := make([]Outcome, len(rp.reqs))
	tot := runTotals{models: make([]usage, len(rp.models))}
	for i, r := range rp.reqs {
		p := rp.models[r.Model].Params
		gain := p.Throughput.Gain(p.Throughput.MaxStreams)
		rtPrice := p.ReplicaPricePerSecond() / gain
		btPrice := p.NodePricePerSecond() / gain
		svc := p.Throughput.ServiceTime(r.ContextTokens, r.GeneratedTokens)
		type option struct {
			route router.Route
			time  time.Duration
			cost  float64
		}
		var opts []option
		if r.Mode != router.ModeBatch {
			opts = append(opts, option{router.RouteRealtime, svc, svc.Seconds() * rtPrice})
		}
		if r.Mode != router.ModeRealtime {
			opts = append(opts, option{router.RouteBatch, p.TaskStartup + svc, svc.Seconds() * btPrice})
		}
		best, fastest := -1, 0
		for j, o := range opts {
			if o.time < opts[fastest].time {
				fastest = j
			}
			if (r.Deadline == 0 || o.time <= r.Deadline) && (best < 0 || o.cost < opts[best].cost) {
				best = j
			}
		}
		reason := "cheapest_feasible"
		if best < 0 {
			best, reason = fastest, "infeasible"
		}
		o := opts[best]
		out[i] = Outcome{Route: o.route, Reason: reason, Answered: true, Latency: o.time}
		u := &tot.models[r.Model]
		if o.route == router.RouteRealtime {
			u.realtimeSeconds += svc.Seconds() / gain
		} else {
			u.batchSeconds += svc.Seconds() / gain
		}
	}
	for i := range tot.models {
		p, u := rp.models[i].Params, &tot.models[i]
		u.realtimeUSD, u.batchUSD = u.realtimeSeconds*p.ReplicaPricePerSecond(), u.batchSeconds*p.NodePricePerSecond()
	}
	return out, tot
}
