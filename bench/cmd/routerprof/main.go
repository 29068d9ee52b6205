// Command routerprof is the router (router/app, configured from the
// environment by router/config exactly as router/cmd/router is) plus
// net/http/pprof on a second loopback port, so the benchmark can take a CPU
// profile of the router under load. The router binary itself has no
// profiling endpoint.
//
//	ROUTER_ADDR=127.0.0.1:18081 ROUTER_API_KEY=K EXECUTOR=none STORAGE_CONNECTION_STRING=... \
//	  INFERENCE_URL=http://127.0.0.1:18000/infer routerprof -pprof 127.0.0.1:18082
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/app"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
)

func main() {
	pprofAddr := flag.String("pprof", "127.0.0.1:18082", "net/http/pprof listen address")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	if err := run(*pprofAddr, log); err != nil {
		log.Error("routerprof stopped", "err", err)
		os.Exit(1)
	}
}

func run(pprofAddr string, log *slog.Logger) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	go func() {
		srv := &http.Server{Addr: pprofAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		if err := srv.ListenAndServe(); err != nil {
			log.Error("pprof listener stopped", "err", err)
		}
	}()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("routerprof listening", "addr", cfg.Addr, "pprof", pprofAddr)
	return a.Serve(ctx, ln)
}
