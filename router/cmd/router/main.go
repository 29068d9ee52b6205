// Command router is the routing service: it reads its configuration from the
// environment (router/config, documented in router/README.md), wires the
// router (router/app) and runs it until SIGINT or SIGTERM.
package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/gpu-orchestration/gpu-orchestration/router/app"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
)

func main() {
	cfg, err := config.Load(os.Getenv)
	log := newLogger(cfg.LogLevel)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("listen", "addr", cfg.Addr, "err", err)
		os.Exit(1)
	}
	if err := a.Serve(ctx, ln); err != nil {
		log.Error("router stopped", "err", err)
		os.Exit(1)
	}
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: l}))
}
