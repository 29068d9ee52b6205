// Package http is the router's HTTP API: authentication, request decoding,
// the routing decision's execution (realtime proxy or batch job), job status,
// health and metrics. It alone maps error codes to status codes.
package http

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
)

// Config wires a Server.
type Config struct {
	Settings *live.Settings
	Tracker  *live.Tracker
	Jobs     router.JobService
	Metrics  *metrics.Metrics
	Log      *slog.Logger
	// InferenceURL is the inference app's realtime endpoint (scheme, host,
	// path); requests are POSTed to it as they came.
	InferenceURL *url.URL
	// Transport reaches the inference app; NewTransport's when nil.
	Transport http.RoundTripper
	// MaxBodyBytes is the largest request body accepted (413 above).
	MaxBodyBytes int64
	// RealtimeTimeout bounds a realtime request without X-Deadline-Ms.
	RealtimeTimeout time.Duration
	// SubmitTimeout bounds durable acceptance of a batch job.
	SubmitTimeout time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MetricsPublic serves /metrics without the API key. By default it
	// needs one, like /v1: the router's ingress is public, and its metrics
	// show traffic, routing and queue depth. Prometheus sends the key as a
	// bearer token (authorization credentials in its scrape config).
	MetricsPublic bool
}

// Server serves the router's HTTP API.
type Server struct {
	cfg      Config
	proxy    *proxy
	draining atomic.Bool
	bufs     sync.Pool
}

// NewServer returns a server for cfg.
func NewServer(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Transport == nil {
		cfg.Transport = NewTransport()
	}
	if cfg.RealtimeTimeout <= 0 {
		cfg.RealtimeTimeout = 240 * time.Second
	}
	if cfg.SubmitTimeout <= 0 {
		cfg.SubmitTimeout = 10 * time.Second
	}
	s := &Server{cfg: cfg}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	s.proxy = newProxy(s)
	return s
}

// Drain makes /readyz fail so the load balancer stops sending new work while
// http.Server.Shutdown finishes the requests in flight.
func (s *Server) Drain() { s.draining.Store(true) }

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := requestID(r.Header.Get("X-Request-Id"))
	w.Header().Set("X-Request-Id", rid)
	switch p := r.URL.Path; {
	case p == "/v1/infer":
		if !s.allow(w, r, http.MethodPost) {
			return
		}
		s.infer(w, r, rid)
	case strings.HasPrefix(p, "/v1/jobs/") && !strings.Contains(p[len("/v1/jobs/"):], "/"):
		if !s.allow(w, r, http.MethodGet) {
			return
		}
		s.getJob(w, r, p[len("/v1/jobs/"):])
	case p == "/healthz":
		if s.allowPlain(w, r) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}
	case p == "/readyz":
		if s.allowPlain(w, r) {
			s.readyz(w)
		}
	case p == "/metrics":
		if s.allowPlain(w, r) && (s.cfg.MetricsPublic || s.authenticated(w, r)) {
			s.cfg.Metrics.Handler().ServeHTTP(w, r)
		}
	default:
		writeErrorCode(w, router.ENotFound, "no such path; see the API document", 0)
	}
}

// allow checks method and API key of a /v1 request, answering 405 or 401.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method != method {
		w.Header().Set("Allow", method)
		writeErrorCode(w, router.EMethodNotAllowed, r.Method+" is not allowed here; use "+method, 0)
		return false
	}
	return s.authenticated(w, r)
}

// authenticated checks the API key, answering 401 when it is missing or
// not accepted.
func (s *Server) authenticated(w http.ResponseWriter, r *http.Request) bool {
	if err := authenticate(r, s.cfg.Settings.KeyHashes()); err != nil {
		writeError(w, err, 0)
		return false
	}
	return true
}

func (s *Server) allowPlain(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeErrorCode(w, router.EMethodNotAllowed, r.Method+" is not allowed here; use GET", 0)
		return false
	}
	return true
}

// readyz fails while draining, while the settings (and the API-key hashes
// among them) have not been read yet, or while the work queue is
// unreachable: a router that cannot authenticate callers or accept batch
// work durably should not get new traffic. /healthz stays ok meanwhile, so
// the platform keeps the replica instead of restarting it.
func (s *Server) readyz(w http.ResponseWriter) {
	switch {
	case s.draining.Load():
		writeErrorCode(w, router.EUnavailable, "shutting down", 0)
	case !s.cfg.Settings.Ready():
		writeErrorCode(w, router.EUnavailable, "settings not read yet", 0)
	case s.cfg.Tracker.BatchDown():
		writeErrorCode(w, router.EUnavailable, "work queue unreachable", 0)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request, id string) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.SubmitTimeout)
	defer cancel()
	job, err := s.cfg.Jobs.Get(ctx, id)
	if err != nil {
		s.logError(r, err)
		writeError(w, err, 0)
		return
	}
	writeJSON(w, http.StatusOK, job)
}

func (s *Server) logError(r *http.Request, err error) {
	if router.ErrorCode(err) == router.ENotFound {
		return
	}
	s.cfg.Log.Warn("request failed", "path", r.URL.Path, "code", router.ErrorCode(err), "err", err,
		"request_id", r.Header.Get("X-Request-Id"))
}

// requestID keeps a caller's X-Request-Id when it is a short token, so a
// request can be followed across systems; otherwise it makes one.
func requestID(in string) string {
	if n := len(in); n > 0 && n <= 64 {
		ok := true
		for i := 0; i < n && ok; i++ {
			c := in[i]
			ok = c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		}
		if ok {
			return in
		}
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
