// Command backend is the fixed inference backend of the proxy benchmark: it
// reads the request body and answers every POST with the same small JSON,
// so that what the benchmark measures is the proxy in front of it, not a
// model. Usage: backend -addr 127.0.0.1:18000
package main

import (
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"
)

// answer has the shape and size of the reference model's realtime answer.
var answer = []byte(`{"model":"reference-1","label":"positive","score":0.5,"tokens":3}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:18000", "listen address")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	contentLength := strconv.Itoa(len(answer))
	srv := &http.Server{
		Addr:              *addr,
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Drain the body so the connection can be reused, as a model would.
			_, _ = io.Copy(io.Discard, r.Body)
			h := w.Header()
			h.Set("Content-Type", "application/json")
			h.Set("Content-Length", contentLength)
			_, _ = w.Write(answer)
		}),
	}
	log.Info("backend listening", "addr", *addr)
	if err := srv.ListenAndServe(); err != nil {
		log.Error("backend stopped", "err", err)
		os.Exit(1)
	}
}
