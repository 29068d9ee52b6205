package http

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
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

// openAIDoors is the OpenAI door of each realtime endpoint: the model's
// OpenAI base URL (which ends in /v1) plus the path after /v1, no batch jobs.
var openAIDoors = func() map[string]door {
	m := make(map[string]door, len(router.OpenAIEndpoints))
	for _, p := range router.OpenAIEndpoints {
		m[p] = door{openAIPath: strings.TrimPrefix(p, "/v1"), elsewhere: "the Batch API"}
	}
	return m
}()

// openAIPaths are the OpenAI API's paths the router answers: the realtime
// endpoints, the models and the Batch API.
var openAIPaths = append(slices.Clone(router.OpenAIEndpoints), "/v1/models", "/v1/files", "/v1/batches")

// isOpenAIPath reports whether p belongs to the OpenAI-compatible API.
func isOpenAIPath(p string) bool {
	for _, prefix := range openAIPaths {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

// serveOpenAI routes a request of the OpenAI-compatible API.
func (s *Server) serveOpenAI(w http.ResponseWriter, r *http.Request, rid string) {
	p := r.URL.Path
	if d, ok := openAIDoors[p]; ok {
		if s.allow(w, r, http.MethodPost) {
			s.serveInference(w, r, rid, d)
		}
		return
	}
	switch {
	case p == "/v1/models":
		if s.allow(w, r, http.MethodGet) {
			list := modelList{Object: "list"}
			for _, m := range s.cfg.Models.All() {
				list.Data = append(list.Data, s.model(m))
			}
			writeJSON(w, http.StatusOK, list)
		}
	case strings.HasPrefix(p, "/v1/models/"):
		// The rest is the id, slashes included: Hugging Face names such as
		// Qwen/Qwen2.5-3B-Instruct are vLLM's default served names.
		if s.allow(w, r, http.MethodGet) {
			if m, err := s.cfg.Models.Resolve(p[len("/v1/models/"):]); err == nil && p != "/v1/models/" {
				writeJSON(w, http.StatusOK, s.model(m))
			} else {
				writeParamError(w, router.EModelNotFound, "model", router.ErrorMessage(err), 0)
			}
		}
	case s.cfg.Batches != nil:
		s.serveBatchAPI(w, r)
	default:
		writeErrorCode(w, router.ENotFound, "the Batch API is not enabled on this router (no job storage)", 0)
	}
}

// model is OpenAI's model object, with the aliases that also name it.
type model struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	OwnedBy string   `json:"owned_by"`
	Aliases []string `json:"aliases,omitempty"`
}

type modelList struct {
	Object string  `json:"object"`
	Data   []model `json:"data"`
}

// model is a deployed model as OpenAI lists it. It is answered by the
// router, so listing models never wakes a cold app.
func (s *Server) model(m *models.Deployment) model {
	return model{ID: m.Name, Object: "model", Created: s.started.Unix(), OwnedBy: "gpu-orchestration", Aliases: m.Aliases}
}
