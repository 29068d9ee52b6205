package refmodel

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// maxBody bounds a realtime request body.
const maxBody = 8 << 20

// Config is how the realtime server behaves.
type Config struct {
	// InferPath is the classifier's realtime path (default /infer).
	InferPath string
	// ModelName is the model id the OpenAI endpoints serve and require in
	// "model" (default Version), like vLLM's --served-model-name.
	ModelName string
	// TokenDelay paces streamed words after the first, so that a stream is
	// visibly a stream; zero sends them at once.
	TokenDelay time.Duration
	// Pace, when set, replaces TokenDelay: it runs before streamed word i
	// and ends the stream when it returns an error (tests gate on it).
	Pace func(ctx context.Context, i int) error
	// FaultRate is the share of inference requests (0 to 1) answered 500,
	// as a broken canary would: the local run's CANARY_FAULT_RATE.
	FaultRate float64
}

// name is the model's name: ModelName, or Version.
func (c Config) name() string {
	if c.ModelName == "" {
		return Version
	}
	return c.ModelName
}

// Handler serves the realtime contracts with the default Config and the
// classifier at path.
func Handler(path string) http.Handler { return NewHandler(Config{InferPath: path}) }

// NewHandler serves the realtime contracts: POST InferPath with the input as
// JSON, answered with the Output as JSON (400 with {"error": …} for bad
// input); the OpenAI-compatible endpoints (openai.go); GET /healthz answers 200.
func NewHandler(cfg Config) http.Handler {
	if cfg.InferPath == "" {
		cfg.InferPath = "/infer"
	}
	if cfg.ModelName == "" {
		cfg.ModelName = Version
	}
	path := cfg.InferPath
	mux := http.NewServeMux()
	o := &openAIServer{model: cfg.ModelName, cfg: cfg}
	mux.HandleFunc("POST /v1/chat/completions", o.chat)
	mux.HandleFunc("POST /v1/completions", o.completion)
	mux.HandleFunc("POST /v1/embeddings", o.embeddings)
	mux.HandleFunc("GET /v1/models", o.models)
	mux.HandleFunc("GET /v1/models/{id}", o.getModel)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
	})
	mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "body too large"})
			return
		}
		in, err := Decode(body)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		out := PredictAs(cfg.ModelName, in)
		if v := r.Header.Get("X-Model-Version"); v != "" && v != Version {
			w.Header().Set("X-Model-Version-Requested", v)
		}
		writeJSON(w, http.StatusOK, out)
	})
	if cfg.FaultRate > 0 {
		return faulty(mux, cfg.FaultRate)
	}
	return mux
}

// faulty answers rate of the POST requests 500, at random, before next.
func faulty(next http.Handler, rate float64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && rand.Float64() < rate {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "injected fault (FAULT_RATE)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// errorBody is the body of an error line in batch output.
func errorBody(err error) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	return b
}
