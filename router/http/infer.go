package http

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// maxPooledBuffer keeps the body-buffer pool from holding on to rare huge
// bodies.
const maxPooledBuffer = 1 << 20

// infer serves POST /v1/infer: decode, decide, then proxy or submit.
func (s *Server) infer(w http.ResponseWriter, r *http.Request, rid string) {
	start := s.cfg.Now()
	hdr, err := DecodeInferHeaders(r.Header, r.ContentLength, s.cfg.MaxBodyBytes)
	if err != nil {
		s.count("none", "invalid_request", router.ErrorCode(err))
		writeError(w, err, 0)
		return
	}
	body, done := s.boundBody(w, r, r.ContentLength)
	if body == nil {
		s.count("none", "body_reads_full", router.EOverloaded)
		return
	}
	defer done()
	r.Body = http.MaxBytesReader(w, body, s.cfg.MaxBodyBytes)
	settings := s.cfg.Settings.Current()
	st := s.cfg.Tracker.Snapshot(start)
	dec := router.Decide(hdr.Request, st, settings)
	if dec.Urgent {
		s.cfg.Tracker.UrgentArrival(start)
	}
	h := w.Header()
	h.Set("X-Route", dec.Route.String())
	h.Set("X-Route-Reason", string(dec.Reason))

	outcome := "ok"
	switch dec.Route {
	case router.RouteReject:
		if dec.Reason == router.ReasonColdStartTooSlow {
			// Refused requests never reach the app, so without this a
			// stream of short deadlines would keep it cold for good.
			s.wake(st.BeginsColdStart(settings))
		}
		outcome = dec.Code
		writeErrorCode(w, dec.Code, rejectMessage(dec, settings), dec.RetryAfter)
		s.count(dec.Route.String(), string(dec.Reason), outcome)
	case router.RouteBatch:
		outcome = s.submit(w, r, hdr, dec, settings, nil)
		s.count(dec.Route.String(), string(dec.Reason), outcome)
	case router.RouteRealtime:
		// realtime counts itself: its route can still change to batch.
		outcome = s.realtime(w, r, upstream{url: s.cfg.InferenceURL, writeErr: writeErrorCode}, hdr, dec, settings, start, st)
	}
	s.cfg.Log.LogAttrs(r.Context(), slog.LevelInfo, config.LogInfer,
		slog.String(config.LogFieldRequestID, rid), slog.String(config.LogFieldMode, hdr.Request.Mode.String()),
		slog.Int64(config.LogFieldDeadlineMs, hdr.Request.Deadline.Milliseconds()), slog.Int64(config.LogFieldSize, hdr.Request.Size),
		slog.String(config.LogFieldRoute, h.Get("X-Route")), slog.String(config.LogFieldReason, h.Get("X-Route-Reason")),
		slog.String(config.LogFieldOutcome, outcome), slog.Duration(config.LogFieldDuration, s.cfg.Now().Sub(start)))
}

// jobAccepted is the 202 answer for a batch job.
type jobAccepted struct {
	ID        string `json:"id"`
	StatusURL string `json:"status_url"`
}

// submit stores a batch job durably and answers 202, or answers the error.
// body is nil when it must still be read from r. It returns the outcome label.
func (s *Server) submit(w http.ResponseWriter, r *http.Request, hdr InferHeaders, dec router.Decision, settings router.Settings, body []byte) string {
	if body == nil {
		buf := s.bufs.Get().(*bytes.Buffer)
		buf.Reset()
		defer s.putBuffer(buf)
		var err error
		if body, err = ReadJSONBody(r.Body, s.cfg.MaxBodyBytes, buf); err != nil {
			writeError(w, err, 0)
			return router.ErrorCode(err)
		}
	}
	// The job is stored even if the caller hangs up meanwhile: half-stored
	// jobs would be worse than an answer nobody reads.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.cfg.SubmitTimeout)
	defer cancel()
	sub := router.Submission{Body: body, IdempotencyKey: hdr.IdempotencyKey, ModelVersion: settings.ModelVersion}
	if dec.Expedite && hdr.Request.Deadline > 0 {
		sub.Expedite, sub.Deadline = true, s.cfg.Now().Add(hdr.Request.Deadline)
	}
	job, replay, err := s.cfg.Jobs.Submit(ctx, sub)
	if err != nil {
		code := router.ErrorCode(err)
		if code == router.EUnavailable || code == router.EInternal {
			s.cfg.Tracker.SetBatchDown(true)
			s.logError(r, err)
			writeErrorCode(w, router.EUnavailable, "the job could not be stored durably; it was not accepted, retry later", max(settings.ColdStart/10, time.Second))
			return router.EUnavailable
		}
		writeError(w, err, 0)
		return code
	}
	url := "/v1/jobs/" + job.ID
	w.Header().Set("Location", url)
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusAccepted, jobAccepted{ID: job.ID, StatusURL: url})
	return "ok"
}

func (s *Server) putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		s.bufs.Put(b)
	}
}

func (s *Server) count(route, reason, outcome string) {
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.Requests.WithLabelValues(route, reason, outcome).Inc()
	}
}

// rejectMessage explains a refusal in words a caller can act on.
func rejectMessage(d router.Decision, s router.Settings) string {
	switch d.Reason {
	case router.ReasonColdStartTooSlow:
		return "the inference app is cold: a cold start (about " + s.ColdStart.String() +
			") plus the model time exceeds X-Deadline-Ms; it is being started now: retry after Retry-After, allow a longer deadline, or use X-Route: batch"
	case router.ReasonDeadlineTooShort:
		return "no route answers within X-Deadline-Ms: even a warm answer takes longer"
	case router.ReasonRealtimeSaturated:
		return "the inference app is at capacity; retry after Retry-After or use X-Route: auto or batch"
	case router.ReasonTooLargeForRealtime:
		return "the body is too large for the realtime route; use X-Route: auto or batch"
	case router.ReasonQueueFull:
		return "the work queue is full; retry after Retry-After"
	case router.ReasonQueueDown:
		return "the work queue is unreachable; the job was not accepted, retry after Retry-After"
	}
	return "the request cannot be routed now"
}
