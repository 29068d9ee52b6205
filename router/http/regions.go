package http

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// A multi-region deployment is one stack per region behind one global front
// door. Each region's router knows its peers (Config.Peers):
//   - a job or batch id carries the region that made it (router.RegionalID),
//     and a question about another region's job is sent on to that region,
//     so GET /v1/jobs/{id} answers on any region;
//   - with SPILLOVER=realtime, a realtime request this region must refuse
//     for its deadline (its app cold, saturated, too slow) is offered to each
//     peer in turn, which decides on its own state and answers or refuses;
//     the first that answers does. Batch work stays in the region that
//     accepted it. X-Region says which region answered.
// A request one router sends another carries X-Forwarded-Region, so it is
// never sent on again, and its refusal does not wake the peer's app.

// Peer is another region's router.
type Peer struct {
	Region string
	URL    *url.URL
}

const (
	headerRegion          = "X-Region"
	headerForwardedRegion = "X-Forwarded-Region"
	// headerSpillover is a caller's say: deny keeps its request in the
	// region that received it even when the stack allows spill-over.
	headerSpillover = "X-Region-Spillover"
	headerFrontDoor = "X-Azure-FDID"
)

// fromFrontDoor reports whether r came through the front door the router
// is locked to (FrontDoorID, compared with X-Azure-FDID), answering 403
// when not. Health probes come from the platform and are not asked.
func (s *Server) fromFrontDoor(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.FrontDoorID == "" || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
		return true
	}
	if r.Header.Get(headerFrontDoor) == s.cfg.FrontDoorID {
		return true
	}
	writeErrorCode(w, router.EForbidden, "this router answers only requests through its front door; use the deployment's global URL", 0)
	return false
}

// forwarded reports whether another region's router sent r.
func forwarded(r *http.Request) bool { return r.Header.Get(headerForwardedRegion) != "" }

// peer returns the peer of region, if the router has one.
func (s *Server) peer(region string) (Peer, bool) {
	for _, p := range s.cfg.Peers {
		if p.Region == region {
			return p, true
		}
	}
	return Peer{}, false
}

// regionCall is one request sent on to a peer region.
type regionCall struct {
	peer Peer
	// spill: a spill-over, whose refusal (429, 503) lets the next peer try.
	spill   bool
	refused bool
}

type regionKey struct{}

// newRegionProxy is the proxy that sends requests on to peer regions: the
// same path, query, body and headers (the caller's API key included: the
// regions of a deployment accept the same keys), X-Forwarded-Region added.
func newRegionProxy(s *Server) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			c := pr.In.Context().Value(regionKey{}).(*regionCall)
			pr.Out.URL.Scheme, pr.Out.URL.Host = c.peer.URL.Scheme, c.peer.URL.Host
			pr.Out.URL.Path, pr.Out.URL.RawPath = strings.TrimSuffix(c.peer.URL.Path, "/")+pr.In.URL.Path, ""
			pr.Out.Host = ""
			pr.Out.Header.Set(headerForwardedRegion, s.cfg.Region)
			// The peer answers with this id, so both regions log one.
			pr.Out.Header.Set("X-Request-Id", assignedID(pr.In))
		},
		Transport:     s.cfg.Transport,
		FlushInterval: -1, // streamed answers pass through event by event
		ModifyResponse: func(resp *http.Response) error {
			c := resp.Request.Context().Value(regionKey{}).(*regionCall)
			if c.spill && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
				return errBackendRefused{status: resp.StatusCode}
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			c := r.Context().Value(regionKey{}).(*regionCall)
			if c.spill {
				c.refused = true
				return
			}
			s.cfg.Log.Warn("peer region unreachable", "region", c.peer.Region, "err", err, "request_id", assignedID(r))
			writeErrorCode(w, router.EUnavailable, "the region "+c.peer.Region+" that holds this id is unreachable; retry later", 0)
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
}

// toRegion sends r on to peer p and streams its answer back.
func (s *Server) toRegion(w http.ResponseWriter, r *http.Request, p Peer) {
	w.Header().Del(headerRegion) // the peer says who answered, and echoes the id
	w.Header().Del("X-Request-Id")
	s.regionProxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), regionKey{}, &regionCall{peer: p})))
}

// ownRegion reports whether an id is this region's to answer; if it is a
// peer's, the request is sent on there and answered.
func (s *Server) ownRegion(w http.ResponseWriter, r *http.Request, id string) bool {
	region := router.IDRegion(id)
	if region == "" || region == s.cfg.Region || forwarded(r) {
		return true
	}
	p, ok := s.peer(region)
	if !ok {
		return true // not a region of this deployment: looked up here (404)
	}
	s.toRegion(w, r, p)
	return false
}

// spillable reports whether a realtime request may go on to a peer region:
// the stack allows spill-over, the caller does not deny it, and no other
// router sent it.
func (s *Server) spillable(r *http.Request, in *inference) bool {
	return s.cfg.Spillover && len(s.cfg.Peers) > 0 && !forwarded(r) && r.Header.Get(headerSpillover) != "deny" &&
		in.hdr.Request.Mode != router.ModeBatch
}

// spillOver offers in's realtime request — refused here for its deadline,
// or failed here (failed) — to each peer region in turn, and reports
// whether one answered it.
func (s *Server) spillOver(w http.ResponseWriter, r *http.Request, in *inference, failed bool) bool {
	if !s.spillable(r, in) {
		return false
	}
	if !failed && !router.SpillsOver(in.dec.Reason) {
		return false
	}
	if in.payload == nil {
		if err := s.readPayload(r, in); err != nil {
			return false
		}
	}
	for _, p := range s.cfg.Peers {
		in.setBody(r, in.payload)
		if d := in.hdr.Request.Deadline; d > 0 {
			left := d - s.cfg.Now().Sub(in.start)
			if left <= 0 {
				return false
			}
			r.Header.Set("X-Deadline-Ms", strconv.FormatInt(max(left.Milliseconds(), 1), 10))
		}
		c := &regionCall{peer: p, spill: true}
		for _, h := range []string{headerRegion, "X-Request-Id", "X-Route", "X-Route-Reason", "X-Model", "X-Model-Revision"} {
			w.Header().Del(h) // the peer's answer says its own
		}
		s.regionProxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), regionKey{}, c)))
		if !c.refused {
			in.end.route, in.end.reason = router.RouteRealtime.String(), string(router.ReasonSpilledToPeer)
			in.end.outcome = "ok"
			return true
		}
		if errors.Is(r.Context().Err(), context.Canceled) {
			return false
		}
	}
	h := w.Header()
	h.Set(headerRegion, s.cfg.Region)
	h.Set("X-Request-Id", in.rid)
	h.Set("X-Route", in.end.route)
	h.Set("X-Route-Reason", in.end.reason)
	h.Set("X-Model", in.model.ID())
	h.Set("X-Model-Revision", in.rev.Name)
	return false
}
