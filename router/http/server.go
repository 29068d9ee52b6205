// Package http is the router's HTTP API: authentication, request decoding,
// the routing decision's execution (realtime proxy or batch job), job status,
// health and metrics. It alone maps error codes to status codes.
package http

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// Config wires a Server.
type Config struct {
	// Settings are the router's settings and accepted API keys.
	Settings *live.Settings
	// Models are the model deployments: each one's GPU app, settings and
	// live state.
	Models  *models.Catalog
	Jobs    router.JobService
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// Batches serves the OpenAI Batch API; nil turns it off.
	Batches router.BatchService
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
	// BodyReadTimeout and BodyReadRate bound the time to receive a request
	// body: BodyReadTimeout plus its size at BodyReadRate bytes/s (defaults
	// 10 s and 64 KiB/s: a 10 MiB body has 170 s).
	BodyReadTimeout time.Duration
	BodyReadRate    int64
	// MaxBodyReads is how many request bodies may be received at once; a
	// request beyond it is answered 429 at once (default 256).
	MaxBodyReads int
	// TakeWake says whether this replica may wake the GPU app of the model
	// with this key now: in a fleet of routers one does (router/fleet).
	// Nil: it may.
	TakeWake func(ctx context.Context, model string) bool
	// MetricsPublic serves /metrics without the API key. By default it
	// needs one, like /v1: the router's ingress is public, and its metrics
	// show traffic, routing and queue depth. Prometheus sends the key as a
	// bearer token (authorization credentials in its scrape config).
	MetricsPublic bool
	// AllowedOrigins are the browser origins CORS lets read answers
	// ("https://app.example.com", or "*" for any); none by default (cors.go).
	AllowedOrigins []string
}

// Server serves the router's HTTP API.
type Server struct {
	cfg       Config
	proxy     *proxy
	draining  atomic.Bool
	bufs      sync.Pool
	bodyReads chan struct{} // a slot per body being received
	uploads   chan struct{} // a slot per Batch API upload being received
	waking    sync.Map      // model key → *atomic.Bool: a wake request in flight
	started   time.Time
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
	if cfg.BodyReadTimeout <= 0 {
		cfg.BodyReadTimeout = 10 * time.Second
	}
	if cfg.BodyReadRate <= 0 {
		cfg.BodyReadRate = 64 << 10
	}
	if cfg.MaxBodyReads <= 0 {
		cfg.MaxBodyReads = 256
	}
	s := &Server{cfg: cfg, bodyReads: make(chan struct{}, cfg.MaxBodyReads), uploads: make(chan struct{}, maxUploads), started: cfg.Now()}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	s.proxy = newProxy(s)
	return s
}

// Drain makes /readyz fail so the load balancer stops sending new work while
// http.Server.Shutdown finishes the requests in flight.
func (s *Server) Drain() { s.draining.Store(true) }

// MaxHeaderBytes bounds a request's headers; larger ones are answered 431
// with the JSON error. The http.Server must allow more (ServerMaxHeaderBytes)
// for the handler to see them: at its own limit net/http answers 431 in plain
// text, and it answers malformed requests 400 in plain text, before any
// handler runs — those cannot be changed.
const MaxHeaderBytes = 64 << 10

// ServerMaxHeaderBytes is the http.Server's MaxHeaderBytes for a Server.
const ServerMaxHeaderBytes = 2 * MaxHeaderBytes

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := requestID(r.Header.Get("X-Request-Id"))
	w.Header().Set("X-Request-Id", rid)
	if headerBytes(r) > MaxHeaderBytes {
		w.Header().Set("Connection", "close")
		writeErrorCode(w, router.EHeaderTooLarge, "the request's headers exceed "+strconv.Itoa(MaxHeaderBytes)+" bytes", 0)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, rid))
	if s.cors(w, r) {
		return
	}
	switch p := r.URL.Path; {
	case p == "/v1/infer":
		if s.allow(w, r, http.MethodPost) {
			s.serveInference(w, r, rid, inferDoor)
		}
	case strings.HasPrefix(p, "/v1/jobs/") && !strings.Contains(p[len("/v1/jobs/"):], "/"):
		if s.allow(w, r, http.MethodGet) {
			s.getJob(w, r, p[len("/v1/jobs/"):])
		}
	case p == "/v1/rollouts":
		if s.allow(w, r, http.MethodGet) {
			s.rollouts(w)
		}
	case isOpenAIPath(p):
		s.serveOpenAI(w, r, rid)
	case p == config.PathHealth:
		if s.allowPlain(w, r) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}
	case p == config.PathReady:
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

// allow checks the method (one of methods) and the API key of a /v1
// request, answering 405 or 401.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if !slices.Contains(methods, r.Method) {
		allowed := strings.Join(methods, ", ")
		w.Header().Set("Allow", allowed)
		writeErrorCode(w, router.EMethodNotAllowed, r.Method+" is not allowed here; use "+allowed, 0)
		return false
	}
	if err := authenticate(r, s.cfg.Settings.KeyHashes()); err != nil {
		writeError(w, err, 0)
		return false
	}
	return true
}

// authenticated checks the API key, answering 401 when it is missing or
// not accepted.
func (s *Server) authenticated(w http.ResponseWriter, r *http.Request) bool {
	return s.allow(w, r, r.Method)
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
	case s.cfg.Models.BatchDown():
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
		"request_id", assignedID(r))
}

// headerBytes is about the size of r's request line and headers as sent.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + len(r.Host) + 4
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	return n
}

type requestIDKey struct{}

// assignedID is the request id the router assigned to r (the caller's
// X-Request-Id if it was acceptable, else a new one): the id of every log
// line about r and of the answer's X-Request-Id.
func assignedID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
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
	return router.RandomHex(8)
}
