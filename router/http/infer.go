package http

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// maxPooledBuffer keeps the body-buffer pool from holding on to rare huge
// bodies.
const maxPooledBuffer = 1 << 20

// inferDoor is POST /v1/infer: the router's own API, whose callers choose
// the route with X-Route and may get a batch job.
var inferDoor = door{elsewhere: "X-Route: auto or batch", jobs: true}

// jobAccepted is the 202 answer for a batch job.
type jobAccepted struct {
	ID        string `json:"id"`
	StatusURL string `json:"status_url"`
}

// submit stores in's request as a batch job, decided by dec, durably and
// answers 202, or answers the error. body is nil when it must still be
// read from r. It returns the outcome label.
func (s *Server) submit(w http.ResponseWriter, r *http.Request, in *inference, dec router.Decision, body []byte) string {
	hdr, settings := in.hdr, in.settings
	if body == nil && in.payload != nil {
		body = in.payload
		if !json.Valid(body) {
			writeErrorCode(w, router.EBadRequest, "body is not valid JSON", 0)
			return router.EBadRequest
		}
	}
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
	sub := router.Submission{Body: body, IdempotencyKey: hdr.IdempotencyKey, Model: in.model.ID(), ModelKey: in.model.Key, ModelVersion: settings.ModelVersion, Revision: in.rev.Name}
	if dec.Expedite && hdr.Request.Deadline > 0 {
		sub.Expedite, sub.Deadline = true, s.cfg.Now().Add(hdr.Request.Deadline)
	}
	job, replay, err := s.cfg.Jobs.Submit(ctx, sub)
	if err != nil {
		code := router.ErrorCode(err)
		if code == router.EUnavailable || code == router.EInternal {
			s.cfg.Models.SetBatchDown(true)
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

// refusalMessage explains a refusal in words a caller can act on; elsewhere
// is where the door sends work the app cannot take now.
func refusalMessage(d router.Decision, s router.Settings, elsewhere string) string {
	switch d.Reason {
	case router.ReasonColdStartTooSlow:
		return "the inference app is cold: a cold start (about " + s.ColdStart.String() +
			") plus the model time exceeds X-Deadline-Ms; it is being started now: retry after Retry-After, allow a longer deadline, or use " + elsewhere
	case router.ReasonDeadlineTooShort:
		return "no route answers within X-Deadline-Ms: even a warm answer takes longer"
	case router.ReasonRealtimeSaturated:
		return "the inference app is at capacity; retry after Retry-After or use " + elsewhere
	case router.ReasonTooLargeForRealtime:
		return "the body is too large for the realtime route; use " + elsewhere
	case router.ReasonQueueFull:
		return "the work queue is full; retry after Retry-After"
	case router.ReasonQueueDown:
		return "the work queue is unreachable; the job was not accepted, retry after Retry-After"
	}
	return "the request cannot be routed now"
}
