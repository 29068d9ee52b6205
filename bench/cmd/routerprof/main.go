// Command routerprof serves the router's HTTP API wired as router/cmd/router
// wires it (same server, settings, tracker, metrics, JSON request log, job
// service on Azurite, queue-depth watcher), plus net/http/pprof on a second
// loopback port, so the benchmark can take a CPU profile of the router under
// load. The router binary itself has no profiling endpoint; keep this wiring
// in step with router/cmd/router/main.go.
//
//	routerprof -addr 127.0.0.1:18081 -pprof 127.0.0.1:18082 -inference-url http://127.0.0.1:18000/infer \
//	  -key K -connection-string "$STORAGE_CONNECTION_STRING"
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/azure"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "API listen address")
	pprofAddr := flag.String("pprof", "127.0.0.1:18082", "net/http/pprof listen address")
	inference := flag.String("inference-url", "http://127.0.0.1:18000/infer", "the backend's infer endpoint")
	key := flag.String("key", "", "accepted API key")
	connString := flag.String("connection-string", os.Getenv("STORAGE_CONNECTION_STRING"), "Azurite connection string")
	maxReplicas := flag.Int("max-aca-replicas", 4, "max-aca-replicas setting (realtime capacity is this times 10)")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	if err := serve(*addr, *pprofAddr, *inference, *key, *connString, *maxReplicas, log); err != nil {
		log.Error("routerprof stopped", "err", err)
		os.Exit(1)
	}
}

func serve(addr, pprofAddr, inference, key, connString string, maxReplicas int, log *slog.Logger) error {
	if key == "" || connString == "" {
		return fmt.Errorf("-key and -connection-string are needed")
	}
	target, err := url.Parse(inference)
	if err != nil || target.Host == "" {
		return fmt.Errorf("-inference-url %q is not an absolute URL", inference)
	}
	const workQueue, poisonQueue, requests, results = "inference-work", "inference-poison", "requests", "results"
	st, err := azure.NewStorage(azure.StorageConfig{ConnectionString: connString,
		WorkQueue: workQueue, PoisonQueue: poisonQueue, RequestContainer: requests, ResultContainer: results})
	if err != nil {
		return err
	}
	ctx := context.Background()
	ectx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = st.Ensure(ectx)
	cancel()
	if err != nil {
		return fmt.Errorf("create queues and containers: %w", err)
	}

	s := router.DefaultSettings()
	s.MaxACAReplicas = maxReplicas
	if err := s.Validate(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	tracker, m := &live.Tracker{}, metrics.New()
	api := routerhttp.NewServer(routerhttp.Config{
		Settings: live.NewSettings(s, [][sha256.Size]byte{sha256.Sum256([]byte(key))}),
		Tracker:  tracker, Metrics: m, Log: log,
		Jobs:         &jobs.Service{Queue: st.Work, Store: st.Jobs, Payloads: st.Blobs, RequestContainer: requests},
		InferenceURL: target, MaxBodyBytes: 10 << 20, RealtimeTimeout: 240 * time.Second,
	})
	go dispatch.WatchDepth(ctx, st.Work, tracker, m, 5*time.Second, log)

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	go func() {
		if err := http.ListenAndServe(pprofAddr, mux); err != nil {
			log.Error("pprof listener stopped", "err", err)
		}
	}()
	srv := &http.Server{Addr: addr, Handler: api, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("routerprof listening", "addr", addr, "pprof", pprofAddr)
	return srv.ListenAndServe()
}
