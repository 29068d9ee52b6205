package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

// NewTransport returns the pooled transport to the inference app: keep-alive
// connections shared by all requests, no compression (bodies pass through
// as sent), and a dial timeout that fails fast when the app is unreachable.
func NewTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// forwardedHeaders are the request headers the inference app gets; the
// caller's Authorization and everything else stay at the router.
var forwardedHeaders = map[string]bool{
	"Content-Type": true, "Content-Encoding": true, "Accept": true, "Accept-Encoding": true,
	"X-Request-Id": true, "X-Deadline-Ms": true, "Traceparent": true, "Tracestate": true,
}

// refusalStatus are backend answers that mean "not now" rather than "no":
// the request may be retried elsewhere (as a batch job).
func refusalStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusBadGateway ||
		code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

// errBackendRefused is returned by ModifyResponse to route a refusal to the
// error handler, which applies the fallback policy.
type errBackendRefused struct{ status int }

func (e errBackendRefused) Error() string { return "inference app answered " + strconv.Itoa(e.status) }

type proxy struct {
	s  *Server
	rp *httputil.ReverseProxy
}

// call is the per-request state the proxy's hooks need. It is not pooled:
// the transport may touch the body after the request has been answered.
type call struct {
	in    *inference
	rec   *recorder
	plain nonClosing
	// ok: the app answered (below 500). cancelled: the caller hung up;
	// timedOut: the call was cut at its deadline. retry: a canary failed
	// before answering; stable may (realtime).
	ok, cancelled, timedOut, retry bool
	// failure: the call failed and nothing was answered yet; a peer
	// region may take the request (realtime).
	failure *failure
}

type callKey struct{}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte  { return *(b.p.Get().(*[]byte)) }
func (b *bufferPool) Put(v []byte) { b.p.Put(&v) }

func newProxy(s *Server) *proxy {
	p := &proxy{s: s}
	bp := &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			c := pr.In.Context().Value(callKey{}).(*call)
			target := c.in.door.target(c.in.rev)
			u := pr.Out.URL
			u.Scheme, u.Host, u.Path, u.RawPath, u.RawQuery = target.Scheme, target.Host, target.Path, target.RawPath, target.RawQuery
			pr.Out.Host = ""
			for k := range pr.Out.Header {
				if !forwardedHeaders[k] {
					delete(pr.Out.Header, k)
				}
			}
			// The assigned id, so that the app's logs and ours share it.
			pr.Out.Header.Set("X-Request-Id", assignedID(pr.In))
			if v := c.in.settings.ModelVersion; v != "" {
				pr.Out.Header.Set("X-Model-Version", v)
			}
		},
		Transport: s.cfg.Transport,
		// 0, not -1: the proxy already flushes every write of an answer of
		// unknown length (a streamed one) or of text/event-stream; -1 would
		// also flush the headers of fixed-length answers on their own, one
		// more write per request (bench profile: 20% of the router's CPU).
		FlushInterval: 0,
		BufferPool:    bp,
		ModifyResponse: func(resp *http.Response) error {
			c := resp.Request.Context().Value(callKey{}).(*call)
			if refusalStatus(resp.StatusCode) || (resp.StatusCode >= 500 && c.mayRetry()) {
				return errBackendRefused{status: resp.StatusCode}
			}
			c.ok = resp.StatusCode < 500
			if resp.StatusCode >= 400 {
				c.in.end.outcome = "backend_" + strconv.Itoa(resp.StatusCode)
			}
			return nil
		},
		ErrorHandler: p.fail,
		ErrorLog:     log.New(io.Discard, "", 0),
	}
	return p
}

// realtime proxies the request, streaming both ways; in.end says how it
// ended. A canary revision's call that fails before any of its answer is
// sent again to the model's stable revision when the deadline still allows
// (proxy.fail): the experiment's failures are not the caller's.
//
// A call that fails in the region (no answer, or a refusal) may go on to a
// peer region when spill-over allows (regions.go); the region's error is
// answered only if none takes it.
func (s *Server) realtime(w http.ResponseWriter, r *http.Request, in *inference) {
	for {
		c := s.realtimeOnce(w, r, in)
		switch {
		case c.retry:
			in.retried = true
			in.rev = in.model.Stable()
			w.Header().Set("X-Model-Revision", in.rev.Name)
			in.state = in.rev.Tracker.Snapshot(s.cfg.Now())
			in.setBody(r, in.payload)
			continue
		case c.failure != nil:
			if !s.spillOver(w, r, in, true) {
				in.end.outcome = c.failure.code
				writeErrorCode(w, c.failure.code, c.failure.message, c.failure.retryAfter)
			}
		}
		return
	}
}

// failure is an error a failed call answers unless a peer region takes
// the request.
type failure struct {
	code, message string
	retryAfter    time.Duration
}

// realtimeOnce makes one call to in.rev's app and reports whether it
// should be made again on stable. Only if a replica was known up when the
// request was decided does its answer time measure the model rather than
// a cold start.
func (s *Server) realtimeOnce(w http.ResponseWriter, r *http.Request, in *inference) *call {
	start := s.cfg.Now()
	replicaUp := in.state.ReplicaUp(in.settings)
	timeout := s.cfg.RealtimeTimeout
	if in.hdr.Request.Deadline > 0 {
		timeout = in.hdr.Request.Deadline - start.Sub(in.start)
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()

	c := &call{in: in}
	if in.hdr.Request.Mode == router.ModeAuto {
		// Auto requests keep a copy of what was sent so that a refusal can
		// turn them into a batch job; the body still streams to the app.
		buf := s.bufs.Get().(*bytes.Buffer)
		buf.Reset()
		c.rec = &recorder{src: r.Body, buf: buf, limit: s.cfg.MaxBodyBytes}
		r.Body = c.rec
	} else {
		c.plain = nonClosing{src: r.Body}
		r.Body = &c.plain
	}
	rev, tr := in.rev, in.rev.Tracker
	tr.Begin(start)
	if !replicaUp {
		tr.BeginCold(start, in.state.BeginsColdStart(in.settings))
	}
	if in.dec.Urgent {
		tr.BeginUrgent(start)
	}
	if m := s.cfg.Metrics; m != nil {
		m.InFlight.Inc()
	}
	defer func() {
		// Deferred so that it runs when the proxy aborts a broken stream.
		now := s.cfg.Now()
		if in.dec.Urgent {
			tr.EndUrgent(now)
		}
		tr.End(now, now.Sub(start), in.hdr.Request.Size, live.AnswerOf(c.ok, replicaUp))
		// A call the caller hung up on, or one cut at its deadline while
		// the app was still starting, says nothing about the revision.
		if !c.cancelled && (replicaUp || !c.timedOut) {
			rev.Stats.Record(now, now.Sub(start), !c.ok)
		}
		if m := s.cfg.Metrics; m != nil {
			m.InFlight.Dec()
			m.ObserveRealtime(now.Sub(in.start))
		}
		if c.rec != nil {
			s.putBuffer(c.rec.release())
		}
	}()
	s.proxy.rp.ServeHTTP(w, r.WithContext(context.WithValue(ctx, callKey{}, c)))
	return c
}

// fail handles a request the inference app did not answer: it applies the
// fallback policy before anything was written to the caller.
func (p *proxy) fail(w http.ResponseWriter, r *http.Request, err error) {
	s := p.s
	c := r.Context().Value(callKey{}).(*call)
	in := c.in
	c.ok = false
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		in.end.outcome = router.EPayloadTooLarge
		writeErrorCode(w, router.EPayloadTooLarge, "body exceeds the limit of "+strconv.FormatInt(s.cfg.MaxBodyBytes, 10)+" bytes", 0)
		return
	}
	if late := in.body.late(); late != nil {
		// The server cancels the request when its body read times out, so
		// this is checked before the cancellation: the caller is told.
		in.end.outcome = router.EBadRequest
		writeErrorCode(w, router.EBadRequest, router.ErrorMessage(late), 0)
		return
	}
	if errors.Is(r.Context().Err(), context.Canceled) {
		c.cancelled = true
		in.end.outcome = "client_closed"
		return
	}
	if c.mayRetry() && !errors.Is(r.Context().Err(), context.DeadlineExceeded) {
		c.retry = true
		s.cfg.Log.Info("canary failed; retrying on stable", "model", in.model.Name, "revision", in.rev.Name, "err", err, "request_id", assignedID(r))
		return
	}
	fd := router.Fallback(in.hdr.Request, in.rev.Tracker.Snapshot(s.cfg.Now()), in.settings)
	if fd.Route == router.RouteBatch && c.rec != nil {
		if body, rerr := c.rec.replay(); rerr == nil && json.Valid(body) {
			in.end.route, in.end.reason = router.RouteBatch.String(), string(fd.Reason)
			w.Header().Set("X-Route", in.end.route)
			w.Header().Set("X-Route-Reason", in.end.reason)
			in.end.outcome = s.submit(w, r, in, fd, body)
			s.cfg.Log.Info("realtime failed; accepted as batch job", "err", err, "request_id", assignedID(r))
			return
		}
	}
	code, msg := router.EUnavailable, "the inference app did not answer"
	if c.timedOut = errors.Is(r.Context().Err(), context.DeadlineExceeded); c.timedOut {
		code, msg = router.EBackendTimeout, "the inference app did not answer within the deadline"
	} else if refused := (errBackendRefused{}); errors.As(err, &refused) {
		msg = "the inference app is unavailable (" + strconv.Itoa(refused.status) + ")"
	}
	s.cfg.Log.LogAttrs(r.Context(), slog.LevelWarn, "realtime failed", slog.String("err", err.Error()),
		slog.String("code", code), slog.String("request_id", assignedID(r)))
	if s.spillable(r, in) && !errors.Is(r.Context().Err(), context.DeadlineExceeded) {
		c.failure = &failure{code: code, message: msg, retryAfter: fd.RetryAfter} // realtime offers it to a peer first
		return
	}
	in.end.outcome = code
	writeErrorCode(w, code, msg, fd.RetryAfter)
}

// mayRetry: the call went to a canary revision, the body is held to send
// again, and it has not been sent again yet.
func (c *call) mayRetry() bool {
	return c.in.rev.Canary && c.in.payload != nil && !c.in.retried
}

// nonClosing keeps the transport from closing the caller's body: the server
// owns it, and a fallback may still need to read it.
type nonClosing struct{ src io.ReadCloser }

func (n *nonClosing) Read(p []byte) (int, error) { return n.src.Read(p) }
func (n *nonClosing) Close() error               { return nil }

// recorder passes the body through and keeps a copy of what was read, up to
// limit, so the whole body can be rebuilt for a fallback. The transport may
// still read from it after the round trip has ended (it writes bodies from
// its own goroutine), so every read holds mu, and replay and release end the
// transport's access for good.
type recorder struct {
	mu       sync.Mutex
	src      io.ReadCloser
	buf      *bytes.Buffer
	limit    int64
	overflow bool
	taken    bool // replay or release happened: the transport reads no more
}

var errBodyTaken = errors.New("request body taken over for a fallback")

func (r *recorder) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.taken {
		return 0, errBodyTaken
	}
	n, err := r.src.Read(p)
	if n > 0 && !r.overflow {
		if int64(r.buf.Len()+n) > r.limit {
			r.overflow = true
		} else {
			r.buf.Write(p[:n])
		}
	}
	return n, err
}

func (r *recorder) Close() error { return nil }

// replay returns the whole body: what was sent plus what was not yet read.
func (r *recorder) replay() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.taken || r.overflow {
		return nil, errors.New("body cannot be replayed")
	}
	r.taken = true
	if _, err := r.buf.ReadFrom(io.LimitReader(r.src, r.limit-int64(r.buf.Len())+1)); err != nil {
		return nil, err
	}
	if int64(r.buf.Len()) > r.limit {
		return nil, errors.New("body too large to replay")
	}
	return r.buf.Bytes(), nil
}

// release ends the transport's access and hands back the buffer.
func (r *recorder) release() *bytes.Buffer {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.taken = true
	b := r.buf
	r.buf = nil
	return b
}
