package http

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// Inference requests enter by two front doors: the router's own /v1/infer
// and the OpenAI-compatible endpoints (openai.go). Both run one request
// core, serveInference — decode, guard the body, find the model, decide
// (falling back to another model when allowed), then refuse, proxy or store
// a job, count and log — so a fix lands in both at once. A door says only
// what differs.
type door struct {
	// openAIPath is the path under the model's OpenAI base URL the door
	// forwards to ("/chat/completions"); "" forwards to its realtime
	// endpoint (INFERENCE_URL), as /v1/infer does.
	openAIPath string
	// elsewhere is where the door's callers send work the app cannot take
	// now, for refusals to name (refusalMessage).
	elsewhere string
	// jobs: the door answers work that may wait with a batch job (202).
	// OpenAI clients wait for their answer, so the OpenAI door sends every
	// request realtime and leaves deferrable work to the Batch API.
	jobs bool
}

// target is where a realtime call of this door goes for revision m.
func (d door) target(m *models.Revision) *url.URL {
	if d.openAIPath == "" {
		return m.InferenceURL
	}
	u := *m.OpenAIURL
	u.Path = strings.TrimSuffix(u.Path, "/") + d.openAIPath
	u.RawPath = ""
	return &u
}

// inference is one request on its way through the core.
type inference struct {
	rid   string
	door  door
	hdr   InferHeaders
	start time.Time
	// model is the deployment that answers; asked the one the caller named
	// (they differ after a fallback).
	model, asked *models.Deployment
	settings     router.Settings
	// state is the live state the request was decided on.
	state router.State
	dec   router.Decision
	body  *boundedBody
	// rev is the revision of model that answers.
	rev *models.Revision
	// payload is the body when it was read before deciding (to find the
	// model, or for a model with canaries); nil when it streams. fields are
	// what the router reads of it.
	payload []byte
	fields  payloadFields
	// retried: a canary's failed call was sent again to stable.
	retried bool
	end     served
}

// served is how a request ended, as metrics and the request log report it.
type served struct {
	route, reason string
	// outcome is "ok", or the error code answered.
	outcome string
}

// serveInference is the request core behind both front doors.
func (s *Server) serveInference(w http.ResponseWriter, r *http.Request, rid string, d door) {
	in := &inference{rid: rid, door: d, start: s.cfg.Now(), end: served{route: "none", reason: "invalid_request", outcome: "ok"}}
	// Deferred: the proxy aborts a broken stream with a panic
	// (http.ErrAbortHandler), and that request is counted and logged too.
	defer s.logRequest(r, in)

	var err error
	in.hdr, err = s.decode(r, d)
	if err != nil {
		in.end.outcome = router.ErrorCode(err)
		writeError(w, err, 0)
		return
	}
	body, done := s.boundBody(w, r, r.ContentLength)
	if body == nil {
		in.end.reason, in.end.outcome = "body_reads_full", router.EOverloaded
		return
	}
	defer done()
	in.body = body
	r.Body = http.MaxBytesReader(w, body, s.cfg.MaxBodyBytes)
	if err := s.resolveModel(r, in); err != nil {
		in.end.outcome = router.ErrorCode(err)
		writeError(w, err, 0)
		return
	}

	s.decide(in, in.asked)
	if in.dec.Route == router.RouteReject && in.hdr.Fallback.allowedFor(in.asked.FallbackByDefault) {
		s.fallBack(r, in)
	}
	if in.dec.Urgent {
		in.rev.Tracker.UrgentArrival(in.start)
	}
	in.end.route, in.end.reason = in.dec.Route.String(), string(in.dec.Reason)
	h := w.Header()
	h.Set("X-Route", in.end.route)
	h.Set("X-Route-Reason", in.end.reason)
	h.Set("X-Model", in.model.ID())
	h.Set("X-Model-Revision", in.rev.Name)

	switch in.dec.Route {
	case router.RouteReject:
		if in.dec.Reason == router.ReasonColdStartTooSlow {
			// Refused requests never reach the app, so without this a
			// stream of short deadlines would keep it cold for good.
			s.wake(in.model, in.rev, in.state.BeginsColdStart(in.settings))
		}
		in.end.outcome = in.dec.Code
		writeErrorCode(w, in.dec.Code, refusalMessage(in.dec, in.settings, d.elsewhere), in.dec.RetryAfter)
	case router.RouteBatch:
		in.end.outcome = s.submit(w, r, in, in.dec, nil)
	case router.RouteRealtime:
		s.realtime(w, r, in)
	}
}

// decide decides in's request for model m, on the live state of the
// revision the caller's share of the split picks.
func (s *Server) decide(in *inference, m *models.Deployment) {
	in.model, in.rev = m, m.Pick(in.caller())
	in.settings = m.Settings()
	if in.rev.Version != "" {
		in.settings.ModelVersion = in.rev.Version
	}
	in.state = in.rev.Tracker.Snapshot(in.start)
	in.dec = router.Decide(in.hdr.Request, in.state, in.settings)
}

// decode reads the request's headers as the door takes them.
// Errors: bad_header, payload_too_large.
func (s *Server) decode(r *http.Request, d door) (InferHeaders, error) {
	hdr, err := DecodeInferHeaders(r.Header, r.ContentLength, s.cfg.MaxBodyBytes)
	if err != nil || d.jobs {
		return hdr, err
	}
	if hdr.Request.Mode == router.ModeBatch {
		return hdr, router.Errorf(router.EBadHeader, "X-Route: batch does not apply to %s; send deferrable work through the Batch API (/v1/files, /v1/batches)", r.URL.Path)
	}
	hdr.Request.Mode = router.ModeRealtime
	return hdr, nil
}

// logRequest counts the request and writes its request log line: one per
// request, whichever door and however it ended (config.LogFields).
func (s *Server) logRequest(r *http.Request, in *inference) {
	model, rev := "", ""
	if in.model != nil {
		model, rev = in.model.ID(), in.rev.Name
	}
	s.count(model, rev, in.end.route, in.end.reason, in.end.outcome)
	s.cfg.Log.LogAttrs(r.Context(), slog.LevelInfo, config.LogInfer,
		slog.String(config.LogFieldRequestID, in.rid), slog.String(config.LogFieldPath, r.URL.Path),
		slog.String(config.LogFieldModel, model), slog.String(config.LogFieldRevision, rev),
		slog.String(config.LogFieldMode, in.hdr.Request.Mode.String()),
		slog.Int64(config.LogFieldDeadlineMs, in.hdr.Request.Deadline.Milliseconds()), slog.Int64(config.LogFieldSize, in.hdr.Request.Size),
		slog.String(config.LogFieldRoute, in.end.route), slog.String(config.LogFieldReason, in.end.reason),
		slog.String(config.LogFieldOutcome, in.end.outcome), slog.Duration(config.LogFieldDuration, s.cfg.Now().Sub(in.start)))
}

func (s *Server) count(model, revision, route, reason, outcome string) {
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.Requests.WithLabelValues(model, revision, route, reason, outcome).Inc()
	}
}
