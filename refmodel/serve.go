package refmodel

import (
	"encoding/json"
	"io"
	"net/http"
)

// maxBody bounds a realtime request body.
const maxBody = 8 << 20

// Handler serves the realtime contract: POST path with the input as JSON,
// answered with the Output as JSON (400 with {"error": …} for bad input);
// GET /healthz answers 200.
func Handler(path string) http.Handler {
	mux := http.NewServeMux()
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
		out := Predict(in)
		if v := r.Header.Get("X-Model-Version"); v != "" && v != Version {
			w.Header().Set("X-Model-Version-Requested", v)
		}
		writeJSON(w, http.StatusOK, out)
	})
	return mux
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
