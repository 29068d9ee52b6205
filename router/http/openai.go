package http

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The OpenAI-compatible front door, realtime half: POST /v1/chat/completions,
// /v1/completions and /v1/embeddings are proxied to the inference app's same
// paths under its OpenAI base URL, streamed answers ("stream": true) passing
// through event by event; GET /v1/models lists the deployed model without
// waking the app. Every answer an OpenAI client gets is valid for it: errors
// are OpenAI's error document, shedding is 429 with Retry-After.
//
// The routing decision applies as for X-Route: realtime — an OpenAI client
// waits for its answer, so these requests are never turned into batch jobs
// (deferrable work goes through the Batch API, batchapi.go):
//   - at capacity: 429 rate_limit_error with Retry-After;
//   - X-Deadline-Ms that even a warm answer misses: 503 deadline_unmeetable;
//   - the app cold (no replica known up): without X-Deadline-Ms the request
//     is forwarded and waits for the cold start (bounded by REALTIME_TIMEOUT;
//     Container Apps holds it while a replica starts); with an X-Deadline-Ms
//     that a cold start cannot meet it is answered at once with 503
//     deadline_unmeetable and Retry-After of one cold start, and the router
//     wakes the app with one request of its own, so that the client's retry
//     (OpenAI's SDKs retry 429 and 503, honouring Retry-After) finds it warm.

// openAIRealtimePaths are the endpoints proxied to the app.
var openAIRealtimePaths = []string{"/v1/chat/completions", "/v1/completions", "/v1/embeddings"}

// openAIUpstreams maps each realtime path to its target on the app: the
// OpenAI base URL (which ends in /v1) plus the path after /v1.
func openAIUpstreams(base *url.URL) map[string]upstream {
	m := make(map[string]upstream, len(openAIRealtimePaths))
	for _, p := range openAIRealtimePaths {
		u := *base
		u.Path = strings.TrimSuffix(base.Path, "/") + strings.TrimPrefix(p, "/v1")
		u.RawPath = ""
		m[p] = upstream{url: &u, writeErr: writeOpenAIErrorCode}
	}
	return m
}

// isOpenAIPath reports whether p belongs to the OpenAI-compatible API.
func isOpenAIPath(p string) bool {
	for _, prefix := range []string{"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models", "/v1/files", "/v1/batches"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

// serveOpenAI routes a request of the OpenAI-compatible API.
func (s *Server) serveOpenAI(w http.ResponseWriter, r *http.Request, rid string) {
	p := r.URL.Path
	if up, ok := s.openAI[p]; ok {
		if s.allowOpenAI(w, r, http.MethodPost) {
			s.openAIRealtime(w, r, rid, up)
		}
		return
	}
	switch {
	case p == "/v1/models":
		if s.allowOpenAI(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, modelList{Object: "list", Data: []model{s.model()}})
		}
	case strings.HasPrefix(p, "/v1/models/"):
		// The rest is the id, slashes included: Hugging Face names such as
		// Qwen/Qwen2.5-3B-Instruct are vLLM's default served names.
		if s.allowOpenAI(w, r, http.MethodGet) {
			if m := s.model(); p[len("/v1/models/"):] == m.ID {
				writeJSON(w, http.StatusOK, m)
			} else {
				writeOpenAIParamError(w, router.ENotFound, "model", "no model "+quoteShort(p[len("/v1/models/"):])+"; this deployment serves "+quoteShort(m.ID), 0)
			}
		}
	case s.cfg.Batches != nil:
		s.serveBatchAPI(w, r)
	default:
		writeOpenAIErrorCode(w, router.ENotFound, "the Batch API is not enabled on this router (no job storage)", 0)
	}
}

// allowOpenAI checks the method (one of methods) and the API key,
// answering in OpenAI's shape.
func (s *Server) allowOpenAI(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if !slices.Contains(methods, r.Method) {
		allowed := strings.Join(methods, ", ")
		w.Header().Set("Allow", allowed)
		writeOpenAIErrorCode(w, router.EMethodNotAllowed, r.Method+" is not allowed here; use "+allowed, 0)
		return false
	}
	if err := authenticate(r, s.cfg.Settings.KeyHashes()); err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="router"`)
		writeOpenAIError(w, err)
		return false
	}
	return true
}

// model is OpenAI's model object.
type model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

type modelList struct {
	Object string  `json:"object"`
	Data   []model `json:"data"`
}

// model is the deployed model: the model-version setting, which for an
// OpenAI server is the name it serves (vLLM's --served-model-name). It is
// answered by the router, so listing models never wakes a cold app.
func (s *Server) model() model {
	return model{ID: s.cfg.Settings.Current().ModelVersion, Object: "model", Created: s.started.Unix(), OwnedBy: "gpu-orchestration"}
}

// openAIRealtime decides and then proxies or refuses, like infer with
// X-Route: realtime.
func (s *Server) openAIRealtime(w http.ResponseWriter, r *http.Request, rid string, up upstream) {
	start := s.cfg.Now()
	hdr, err := DecodeInferHeaders(r.Header, r.ContentLength, s.cfg.MaxBodyBytes)
	if err == nil && hdr.Request.Mode == router.ModeBatch {
		err = router.Errorf(router.EBadHeader, "X-Route: batch does not apply to the OpenAI endpoints; send deferrable work through the Batch API (/v1/files, /v1/batches)")
	}
	if err != nil {
		s.count("none", "invalid_request", router.ErrorCode(err))
		writeOpenAIError(w, err)
		return
	}
	hdr.Request.Mode = router.ModeRealtime
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	settings := s.cfg.Settings.Current()
	st := s.cfg.Tracker.Snapshot(start)
	dec := router.Decide(hdr.Request, st, settings)
	h := w.Header()
	h.Set("X-Route", dec.Route.String())
	h.Set("X-Route-Reason", string(dec.Reason))
	outcome := "ok"
	if dec.Route == router.RouteReject {
		if dec.Reason == router.ReasonColdStartTooSlow {
			s.wake(st.BeginsColdStart(settings))
		}
		outcome = dec.Code
		writeOpenAIErrorCode(w, dec.Code, openAIRejectMessage(dec, settings), dec.RetryAfter)
		s.count(dec.Route.String(), string(dec.Reason), outcome)
	} else {
		outcome = s.realtime(w, r, up, hdr, dec, settings, start, st)
	}
	s.cfg.Log.LogAttrs(r.Context(), slog.LevelInfo, "openai",
		slog.String("request_id", rid), slog.String("path", r.URL.Path),
		slog.Int64("deadline_ms", hdr.Request.Deadline.Milliseconds()), slog.Int64("size", hdr.Request.Size),
		slog.String("route", h.Get("X-Route")), slog.String("reason", h.Get("X-Route-Reason")),
		slog.String("outcome", outcome), slog.Duration("duration", s.cfg.Now().Sub(start)))
}

// openAIRejectMessage explains a refusal to an OpenAI client, pointing to
// the Batch API rather than X-Route.
func openAIRejectMessage(d router.Decision, s router.Settings) string {
	switch d.Reason {
	case router.ReasonColdStartTooSlow:
		return "the inference app is cold and a cold start (about " + s.ColdStart.String() +
			") plus the model time exceeds X-Deadline-Ms; it is being started now: retry after Retry-After, allow a longer deadline, or use the Batch API"
	case router.ReasonRealtimeSaturated:
		return "the inference app is at capacity; retry after Retry-After or use the Batch API"
	case router.ReasonTooLargeForRealtime:
		return "the body is too large for the realtime route; use the Batch API"
	}
	return rejectMessage(d, s)
}

func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return `"` + s + `"`
}
