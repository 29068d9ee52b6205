package router

import "time"

// Route is where a request runs.
type Route uint8

const (
	// RouteReject refuses the request with Decision.Code.
	RouteReject Route = iota
	// RouteRealtime proxies the request to the inference app and streams the
	// answer back.
	RouteRealtime
	// RouteBatch stores the request as a job and answers 202 with its id.
	RouteBatch
)

var routeNames = [...]string{RouteReject: "reject", RouteRealtime: "realtime", RouteBatch: "batch"}

// String returns the route's metric label.
func (r Route) String() string {
	if int(r) < len(routeNames) {
		return routeNames[r]
	}
	return "unknown"
}

// Reason says why Decide chose a route. The strings are stable: they are
// metric labels, log fields and simulator output.
type Reason string

const (
	// ReasonForcedRealtime: X-Route: realtime and the app can answer in time.
	ReasonForcedRealtime Reason = "forced_realtime"
	// ReasonForcedBatch: X-Route: batch.
	ReasonForcedBatch Reason = "forced_batch"
	// ReasonBatchExpedited: X-Route: batch, but the pool's slow tail misses
	// the deadline and the inference app meets it: the job is stored and
	// answered 202 as any job, and the dispatcher runs it on the app
	// (Decision.Expedite) — on the pool if the app fails it.
	ReasonBatchExpedited Reason = "batch_expedited"
	// ReasonDeadlineBelowThreshold: auto, the deadline is within the
	// realtime threshold, so the caller is answered synchronously.
	ReasonDeadlineBelowThreshold Reason = "deadline_below_threshold"
	// ReasonWarmIdle: auto, work that may wait still goes realtime because
	// one of the minimum replicas has a free slot above the urgent peak —
	// that capacity is paid for anyway (State.FreeWarmSlot).
	ReasonWarmIdle Reason = "warm_idle_capacity"
	// ReasonRealtimeAffordable: auto, realtime — the replica time this
	// request would hold or add — costs at most the batch cost threshold
	// more than batch.
	ReasonRealtimeAffordable Reason = "realtime_affordable"
	// ReasonBatchCheaper: auto, realtime would cost more than the batch cost
	// threshold above batch (typically a cold start for one request).
	ReasonBatchCheaper Reason = "batch_cheaper"
	// ReasonBatchTooSlow: auto, batch would miss the deadline; realtime meets it.
	ReasonBatchTooSlow Reason = "batch_too_slow"
	// ReasonBatchUnavailable: auto, the queue is down or full; realtime meets
	// the deadline.
	ReasonBatchUnavailable Reason = "batch_unavailable"
	// ReasonColdStartTooSlow: the app is cold and a cold start plus this
	// request's estimated model time misses the deadline. Auto requests go to batch if it meets the deadline;
	// realtime requests are refused with deadline_unmeetable.
	ReasonColdStartTooSlow Reason = "cold_start_too_slow"
	// ReasonDeadlineTooShort: even a fast warm answer misses the deadline,
	// by the estimate of this request's model time from its size (the time
	// within which about one warm answer in 100 of that size arrives).
	ReasonDeadlineTooShort Reason = "deadline_too_short"
	// ReasonRealtimeSaturated: realtime requests in flight are at the app's
	// capacity. Auto requests go to batch; realtime requests get 429.
	ReasonRealtimeSaturated Reason = "realtime_saturated"
	// ReasonTooLargeForRealtime: the body exceeds the realtime size limit.
	ReasonTooLargeForRealtime Reason = "too_large_for_realtime"
	// ReasonQueueFull: the work queue is deeper than its limit (429).
	ReasonQueueFull Reason = "queue_full"
	// ReasonQueueDown: the work queue is unreachable (503).
	ReasonQueueDown Reason = "queue_down"
	// ReasonRealtimeFailed: the app failed or refused before answering and
	// the request was allowed to wait, so it became a batch job (Fallback).
	ReasonRealtimeFailed Reason = "realtime_failed_to_batch"
	// ReasonBackendUnavailable: the app failed before answering and the
	// request could not become a batch job (Fallback).
	ReasonBackendUnavailable Reason = "backend_unavailable"
	// ReasonSpilledToPeer: this region could not answer the realtime
	// request in its deadline, and a peer region that could did
	// (multi-region, SPILLOVER=realtime).
	ReasonSpilledToPeer Reason = "spilled_to_peer_region"
)

// Reasons lists every Reason above, in declaration order: the API document
// is tested against it, and a test keeps it equal to the declared constants.
var Reasons = []Reason{
	ReasonForcedRealtime, ReasonForcedBatch, ReasonBatchExpedited, ReasonDeadlineBelowThreshold, ReasonWarmIdle,
	ReasonRealtimeAffordable, ReasonBatchCheaper, ReasonBatchTooSlow, ReasonBatchUnavailable,
	ReasonColdStartTooSlow, ReasonDeadlineTooShort, ReasonRealtimeSaturated, ReasonTooLargeForRealtime,
	ReasonQueueFull, ReasonQueueDown, ReasonRealtimeFailed, ReasonBackendUnavailable, ReasonSpilledToPeer,
}

// Decision is the route for one request and why.
type Decision struct {
	Route  Route
	Reason Reason
	// Code is the error code when Route is RouteReject.
	Code string
	// RetryAfter is a hint for rejected requests: when trying again may help.
	RetryAfter time.Duration
	// Expected is the expected time to the answer on the chosen route.
	Expected time.Duration
	// RealtimeCost and BatchCost are the estimated USD cost of this request
	// on each route, as compared by the policy: realtime's is the marginal
	// replica time it causes (realtimeCost).
	RealtimeCost, BatchCost float64
	// Urgent: only realtime answers this request in time (X-Route: realtime,
	// or batch would miss its deadline), whatever route it got. The router
	// counts urgent arrivals and urgent requests in flight (live.Tracker).
	Urgent bool
	// Expedite: a batch job to run on the inference app, not the pool
	// (ReasonBatchExpedited).
	Expedite bool
}

// Decide chooses the route for req given the live state and the settings.
// It is pure: no I/O and no clock reads, so the simulator replays traces
// through it and gets the production decision.
//
// The policy, in order:
//  1. X-Route: batch goes to batch unless the queue is down or full; a
//     job whose deadline the pool's slow tail misses and the app meets
//     is expedited: still a job, run on the app.
//  2. X-Route: realtime goes realtime unless the body is too large, the app
//     is at capacity, or the deadline cannot be met (a cold start included).
//  3. auto: among the routes that can meet the deadline, a deadline within
//     the realtime threshold or a free slot on replicas that run anyway
//     picks realtime; otherwise the cheaper route wins unless realtime is
//     within the batch cost threshold of batch, because answering
//     synchronously is worth that much. Realtime's cost is what the request
//     adds: a wake-up or a scale-out (cold start plus the scale-in tail)
//     unless a free slot takes it, so work that may wait never scales the
//     app out at the default threshold.
func Decide(req Request, st State, s Settings) Decision {
	// The request's own model time: deadlines are compared with it, not
	// with an average over requests of every size.
	lat := st.ModelTime(req.Size, s)
	// A request that finds the app starting waits for the rest of that
	// start, not for none: requests in flight alone do not show a replica.
	wait := st.ColdStartLeft(s)
	rtTime := lat + wait
	// Refusals for the deadline use a fast answer, not the expected one:
	// the size does not show how long an answer was asked for, and
	// refusing turns a likely miss into a certain one. Trying costs at
	// most the deadline of one replica slot (the proxy cuts the call then).
	fastTime := st.FastModelTime(req.Size, s) + wait
	batchTime := st.batchETA(s)
	free := st.FreeWarmSlot(s)
	d := Decision{Expected: rtTime, RealtimeCost: realtimeCost(lat, st, free, s), BatchCost: batchCost(lat, s)}

	// Why realtime is impossible, if it is ("" when possible).
	rtBlocked, rtCode := Reason(""), ""
	switch {
	case s.MaxRealtimeBytes > 0 && req.Size > s.MaxRealtimeBytes:
		rtBlocked, rtCode = ReasonTooLargeForRealtime, EPayloadTooLarge
	case st.InFlight >= s.RealtimeCapacity():
		rtBlocked, rtCode = ReasonRealtimeSaturated, EOverloaded
	case req.Deadline > 0 && fastTime-(rtTime-lat) > req.Deadline:
		rtBlocked, rtCode = ReasonDeadlineTooShort, EDeadlineUnmeetable
	case req.Deadline > 0 && fastTime > req.Deadline:
		rtBlocked, rtCode = ReasonColdStartTooSlow, EDeadlineUnmeetable
	}
	// Why batch cannot accept work at all, if it cannot.
	batchBlocked, batchCode := Reason(""), ""
	switch {
	case st.BatchDown:
		batchBlocked, batchCode = ReasonQueueDown, EUnavailable
	case s.MaxQueueDepth > 0 && st.QueueDepth >= s.MaxQueueDepth:
		batchBlocked, batchCode = ReasonQueueFull, EOverloaded
	}

	// Batch meets a deadline only if its slow tail does: at the mean, half
	// the jobs would be late.
	batchMeets := batchBlocked == "" && (req.Deadline == 0 || st.batchSlowETA(s) <= req.Deadline)
	d.Urgent = req.Mode == ModeRealtime || (req.Mode == ModeAuto && !batchMeets)
	switch req.Mode {
	case ModeBatch:
		if batchBlocked != "" {
			return d.reject(batchBlocked, batchCode, retryAfter(batchBlocked, s, lat))
		}
		if !batchMeets && rtBlocked == "" {
			// The caller asked for a job, not for the pool: a job the
			// pool would finish late runs where it finishes in time.
			d.Urgent, d.Expedite = true, true
			return d.to(RouteBatch, ReasonBatchExpedited, rtTime)
		}
		return d.to(RouteBatch, ReasonForcedBatch, batchTime)
	case ModeRealtime:
		if rtBlocked != "" {
			return d.reject(rtBlocked, rtCode, retryAfter(rtBlocked, s, lat))
		}
		return d.to(RouteRealtime, ReasonForcedRealtime, rtTime)
	}

	switch {
	case rtBlocked != "" && batchMeets:
		return d.to(RouteBatch, rtBlocked, batchTime)
	case rtBlocked != "":
		// Neither route works. Report what blocks realtime unless it is
		// only the deadline and the queue is what failed.
		if batchBlocked != "" && rtCode == EDeadlineUnmeetable && rtBlocked != ReasonDeadlineTooShort {
			return d.reject(batchBlocked, batchCode, retryAfter(batchBlocked, s, lat))
		}
		return d.reject(rtBlocked, rtCode, retryAfter(rtBlocked, s, lat))
	case !batchMeets && batchBlocked != "":
		return d.to(RouteRealtime, ReasonBatchUnavailable, rtTime)
	case !batchMeets:
		// Threshold first: a tight deadline is answered synchronously for
		// that reason, whatever batch would have done.
		if req.Deadline <= s.RealtimeThreshold {
			return d.to(RouteRealtime, ReasonDeadlineBelowThreshold, rtTime)
		}
		return d.to(RouteRealtime, ReasonBatchTooSlow, rtTime)
	case req.Deadline > 0 && req.Deadline <= s.RealtimeThreshold:
		return d.to(RouteRealtime, ReasonDeadlineBelowThreshold, rtTime)
	case free:
		return d.to(RouteRealtime, ReasonWarmIdle, rtTime)
	case d.RealtimeCost-d.BatchCost > s.BatchCostThreshold:
		return d.to(RouteBatch, ReasonBatchCheaper, batchTime)
	default:
		return d.to(RouteRealtime, ReasonRealtimeAffordable, rtTime)
	}
}

// Fallback decides what happens to a realtime request whose inference app
// failed or refused before sending any of its answer (connection refused,
// timeout waiting for headers, 429/502/503/504). An auto request that batch
// can still serve in time becomes a batch job; anything else gets 503.
func Fallback(req Request, st State, s Settings) Decision {
	batchTime := st.batchETA(s)
	d := Decision{Expected: batchTime, BatchCost: batchCost(st.ModelTime(req.Size, s), s)}
	batchOK := !st.BatchDown && (s.MaxQueueDepth == 0 || st.QueueDepth < s.MaxQueueDepth)
	if req.Mode == ModeAuto && batchOK && (req.Deadline == 0 || st.batchSlowETA(s) <= req.Deadline) {
		return d.to(RouteBatch, ReasonRealtimeFailed, batchTime)
	}
	return d.reject(ReasonBackendUnavailable, EUnavailable, s.ColdStart)
}

func (d Decision) to(r Route, why Reason, expected time.Duration) Decision {
	d.Route, d.Reason, d.Expected = r, why, expected
	return d
}

func (d Decision) reject(why Reason, code string, after time.Duration) Decision {
	d.Route, d.Reason, d.Code, d.RetryAfter, d.Expected = RouteReject, why, code, after, 0
	return d
}

// realtimeCost is the replica time a request adds. In a free slot of
// replicas that run anyway, its share of one: its model time over the
// replica's concurrency. On a cold app, a wake-up: the cold start, its
// model time and the cooldown the woken replica idles through. Otherwise it
// holds a replica urgent work does not need, or adds one, for the scale-in
// window: that window and its model time, plus a cold start if the replicas
// up are full.
func realtimeCost(lat time.Duration, st State, free bool, s Settings) float64 {
	var t time.Duration
	switch {
	case free:
		t = lat / time.Duration(max(s.ReplicaConcurrency, 1))
	case !st.Warm(s):
		t = s.ColdStart + lat + s.ScaleDownDelay
	default:
		t = lat + ScaleInWindow
		if st.InFlight+1 > st.WarmReplicas(s)*s.ReplicaConcurrency {
			t += s.ColdStart
		}
	}
	return t.Seconds() * s.RealtimePricePerSecond
}

// batchCost is the node time the request occupies; node start-up is shared
// by the micro-batch and the pool's other work, so it is not charged here.
func batchCost(lat time.Duration, s Settings) float64 {
	return lat.Seconds() * s.BatchPricePerSecond
}

func retryAfter(why Reason, s Settings, lat time.Duration) time.Duration {
	switch why {
	case ReasonColdStartTooSlow, ReasonQueueDown:
		// By then a cold start begun by other traffic may have finished.
		return max(s.ColdStart, time.Second)
	case ReasonRealtimeSaturated, ReasonQueueFull:
		return max(lat, time.Second)
	}
	return 0
}
