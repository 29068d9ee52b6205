// Command refmodel runs the reference model under either inference contract:
//
//	refmodel serve   HTTP on $PORT (default 8000), POST $INFER_PATH (default /infer)
//	                 and the OpenAI-compatible /v1 endpoints
//	refmodel batch   JSON lines from $BATCH_INPUT_PATH to $BATCH_OUTPUT_PATH,
//	                 in the reference or the OpenAI batch format
//
// FAULT_RATE (0 to 1, default 0) answers that share of inference requests
// 500, as a broken canary would. SERVED_MODEL_NAME (default: MODEL_VERSION, which the platform passes a
// batch run, else reference-1) is the model's name: the id of the OpenAI
// endpoints and of its answers; a name other than reference-1 answers with
// weights of its own. TOKEN_DELAY (a Go duration, default 20ms) paces
// streamed words.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/refmodel"
	"github.com/gpu-orchestration/gpu-orchestration/router"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: refmodel serve|batch")
		os.Exit(2)
	}
	args := os.Args[1:]
	// Azure Batch may run the task command line either instead of the
	// image's ENTRYPOINT or after it; a command line naming this binary
	// works both ways.
	if len(args) > 1 && filepath.Base(args[0]) == "refmodel" {
		args = args[1:]
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(log)
	case "batch":
		err = batch(log)
	default:
		err = fmt.Errorf("unknown command %q; use serve or batch", args[0])
	}
	if err != nil {
		log.Error("refmodel failed", "err", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// config reads the model's settings from the environment.
func config() (refmodel.Config, error) {
	delay, err := time.ParseDuration(env("TOKEN_DELAY", "20ms"))
	if err != nil || delay < 0 {
		return refmodel.Config{}, fmt.Errorf("TOKEN_DELAY=%q: want a Go duration such as 20ms", os.Getenv("TOKEN_DELAY"))
	}
	faults, err := strconv.ParseFloat(env("FAULT_RATE", "0"), 64)
	if err != nil || faults < 0 || faults > 1 {
		return refmodel.Config{}, fmt.Errorf("FAULT_RATE=%q: want a share of requests from 0 to 1", os.Getenv("FAULT_RATE"))
	}
	// The platform passes a batch run its model's model-version setting.
	name := env("SERVED_MODEL_NAME", env(router.BatchEnvModelVersion, refmodel.Version))
	return refmodel.Config{InferPath: env("INFER_PATH", "/infer"), ModelName: name, TokenDelay: delay, FaultRate: faults}, nil
}

func serve(log *slog.Logger) error {
	addr := net.JoinHostPort(env("HOST", "0.0.0.0"), env("PORT", "8000"))
	cfg, err := config()
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: refmodel.NewHandler(cfg), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("reference model serving", "addr", addr, "model", cfg.ModelName)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func batch(log *slog.Logger) error {
	inPath, outPath := os.Getenv(router.BatchEnvInputPath), os.Getenv(router.BatchEnvOutputPath)
	if inPath == "" || outPath == "" {
		return errors.New("set " + router.BatchEnvInputPath + " and " + router.BatchEnvOutputPath)
	}
	in, err := os.Open(inPath)
	if err != nil {
		return err
	}
	defer in.Close()
	// Write to a temporary name and rename, so a killed run never leaves a
	// partial output file that looks complete.
	tmp := outPath + ".partial"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	n, err := cfg.RunBatch(in, out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, outPath); err != nil {
		return err
	}
	log.Info("batch done", "lines", n, "model", cfg.ModelName)
	return nil
}
