package sim

import (
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Spill-over between regions, as router/http/regions.go does it with
// SPILLOVER=realtime (every simulated caller allows it: none sends
// X-Region-Spillover: deny). A request that may be answered synchronously
// (X-Route realtime or auto) and that its region refuses for its deadline
// (router.SpillsOver: its app cold, saturated or too slow) is offered to
// each peer region in turn, with what is left of its deadline as
// X-Deadline-Ms. The peer decides on its own state, with router.Decide on
// its own trackers, and answers (realtime; or a job, if Decide says so) or
// refuses; then the next peer is tried, and when none takes the request the
// region's own refusal stands — only then does a cold refusal wake its app.
// A request one router sent another is never sent on again, and its refusal
// wakes nothing there. Batch work stays in its region. The simulated
// routers decide at once, so a request is offered as it arrives; each
// crossing takes half the round trip, and an answer takes as long back.
//
// Spill-over after a call that fails in the region is not replayed: the
// simulated apps answer every call they start or are cut at the deadline,
// which leaves nothing to offer (router/http spills a failed call only when
// it did not run out of time); a failing canary's answer is retried on
// stable first.

// forward is a request a region offers its peers, one at a time.
type forward struct {
	// req is the request as the peer being tried receives it: on its
	// model, arrived there, with the deadline that was left when it was
	// sent.
	req  Request
	home *region
	// next is the index in the home region's peers of the one tried now.
	next int
	// rev is the revision of its model the home region picked, whose app
	// a cold refusal wakes; reason and code are the home region's refusal.
	rev          int
	reason, code string
}

// peers are the regions reg offers its refusals to, in order: every other
// region of the run.
func (e *engine) peers(reg *region) []*region {
	var out []*region
	for _, p := range e.regions {
		if p != reg {
			out = append(out, p)
		}
	}
	return out
}

// offer offers r, refused in its region for reason, to the region's peers
// when the run spills over and the rule allows it; false when it does not.
func (e *engine) offer(r *Request, reason, code string) bool {
	if !e.rp.spill || r.Mode == router.ModeBatch || !router.SpillsOver(router.Reason(reason)) {
		return false
	}
	f := &forward{home: e.regionOf(r), rev: e.rev[r.ID], reason: reason, code: code}
	if !e.sendOn(f, r) {
		return false
	}
	e.out[r.ID].Offered = true
	return true
}

// sendOn sends r, received in f's home region, to the peer f tries next;
// false when no peer is left or no time is left of the deadline.
func (e *engine) sendOn(f *forward, r *Request) bool {
	peers := e.peers(f.home)
	if f.next >= len(peers) {
		return false
	}
	sent := *r
	if r.Deadline > 0 {
		left := r.Deadline - (e.now - r.Arrival)
		if left <= 0 {
			return false
		}
		sent.Deadline = max(left.Truncate(time.Millisecond), time.Millisecond) // X-Deadline-Ms
	}
	peer := peers[f.next]
	hop := e.rp.roundTrip / 2
	sent.Model = peer.model(e.models[r.Model].Name).index
	sent.Arrival, sent.Hop = e.now+hop, hop
	f.req = sent
	e.schedule(event{at: e.now + hop, kind: evOffered, fwd: f})
	return true
}

// offered is the peer's router receiving f's request: it decides on its
// own state and serves the request, or sends its refusal back.
func (e *engine) offered(f *forward) {
	r := &f.req
	route, _, _ := e.route(e, r)
	if route == router.RouteReject {
		// overloaded (429), deadline_unmeetable or unavailable (503): a
		// refusal the sending router tries the next peer on. (Decide's other
		// refusal, a body above max-realtime-bytes, the sending region's same
		// setting has already turned away.)
		e.schedule(event{at: e.now + r.Hop, kind: evDeclined, fwd: f})
		return
	}
	o := &e.out[r.ID]
	o.Route, o.Reason, o.Peer = route, string(router.ReasonSpilledToPeer), e.regionOf(r).name
	e.send(r, route)
}

// declined is a peer's refusal back in f's home region: the next peer is
// tried, and when none is left the region's own refusal stands.
func (e *engine) declined(f *forward) {
	r := &e.reqs[f.req.ID]
	f.next++
	if e.sendOn(f, r) {
		return
	}
	e.rev[r.ID] = f.rev // the request is its home region's again
	e.refuse(r, f.reason, f.code)
}

// model is the region's model called name: every region of a run serves
// the same models.
func (reg *region) model(name string) *simModel {
	for _, m := range reg.models {
		if m.Name == name {
			return m
		}
	}
	panic("sim: region " + reg.name + " has no model " + name)
}
