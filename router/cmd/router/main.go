// Command router is the routing service: it wires the HTTP API, the storage
// adapters, the settings refresher and the dispatcher, and runs them until
// SIGINT or SIGTERM. Configuration is environment only (router/README.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/azure"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/local"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
)

func main() {
	cfg, err := loadConfig(os.Getenv)
	log := newLogger(cfg.LogLevel)
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("listen", "addr", cfg.Addr, "err", err)
		os.Exit(1)
	}
	if err := a.serve(ctx, ln); err != nil {
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

// app is the wired router.
type app struct {
	cfg        config
	log        *slog.Logger
	settings   *live.Settings
	tracker    *live.Tracker
	metrics    *metrics.Metrics
	storage    *azure.Storage
	server     *routerhttp.Server
	dispatcher *dispatch.Dispatcher
	secrets    router.SecretSource
}

func newApp(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: log, tracker: &live.Tracker{}, metrics: metrics.New()}
	a.settings = live.NewSettings(cfg.Settings, cfg.KeyHashes)

	var cred azcore.TokenCredential
	if cfg.Storage.ConnectionString == "" || cfg.KeyVaultURI != "" || cfg.Executor == "azure-batch" {
		// Managed identity in Azure (AZURE_CLIENT_ID picks the user-assigned one).
		c, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("azure credential: %w", err)
		}
		cred = c
	}
	st, err := azure.NewStorage(azure.StorageConfig{
		QueueEndpoint: cfg.Storage.QueueEndpoint, BlobEndpoint: cfg.Storage.BlobEndpoint,
		Credential: cred, ConnectionString: cfg.Storage.ConnectionString,
		WorkQueue: cfg.Storage.WorkQueue, PoisonQueue: cfg.Storage.PoisonQueue,
		RequestContainer: cfg.Storage.RequestContainer, ResultContainer: cfg.Storage.ResultContainer,
	})
	if err != nil {
		return nil, err
	}
	a.storage = st
	if cfg.Storage.Ensure {
		ectx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := st.Ensure(ectx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("create queues and containers: %w", err)
		}
	}
	if cfg.KeyVaultURI != "" {
		kv, err := azure.NewKeyVault(cfg.KeyVaultURI, cred)
		if err != nil {
			return nil, err
		}
		a.secrets = kv
		// Without key hashes in the environment (the deployed configuration)
		// the router cannot authenticate anyone until Key Vault answers: it
		// stays up, alive but not ready, and refreshSettings retries.
		if len(cfg.KeyHashes) == 0 {
			a.settings.AwaitSource()
		}
	}

	inference, err := url.Parse(cfg.InferenceURL)
	if err != nil || inference.Scheme == "" || inference.Host == "" {
		return nil, fmt.Errorf("INFERENCE_URL=%q is not an absolute URL", cfg.InferenceURL)
	}
	a.server = routerhttp.NewServer(routerhttp.Config{
		Settings: a.settings, Tracker: a.tracker, Metrics: a.metrics, Log: log,
		Jobs:         &jobs.Service{Queue: st.Work, Store: st.Jobs, Payloads: st.Blobs, RequestContainer: cfg.Storage.RequestContainer},
		InferenceURL: inference, MaxBodyBytes: cfg.MaxBodyBytes, RealtimeTimeout: cfg.RealtimeTO,
		MetricsPublic: cfg.MetricsPublic,
	})

	var exec router.Executor
	switch cfg.Executor {
	case "local":
		exec = &local.Executor{Command: cfg.LocalCommand, Payloads: st.Blobs}
	case "azure-batch":
		b, err := azure.NewBatch(azure.BatchConfig{
			Endpoint: cfg.Batch.Endpoint, Credential: cred, PoolID: cfg.Batch.PoolID, JobID: cfg.Batch.JobID,
			Image: cfg.Batch.Image, Command: cfg.Batch.Command, NodeIdentity: cfg.Batch.NodeIdentity, Blobs: st.Blobs,
		})
		if err != nil {
			return nil, err
		}
		exec = b
	}
	if exec != nil {
		a.dispatcher = dispatch.New(dispatch.Config{
			Queue: st.Work, Poison: st.Poison, Jobs: st.Jobs, Payloads: st.Blobs, Executor: exec,
			RequestContainer: cfg.Storage.RequestContainer, ResultContainer: cfg.Storage.ResultContainer,
			Settings: a.settings.Current, Tracker: a.tracker, Metrics: a.metrics, Log: log,
			BatchSize: cfg.DispatchSize, Visibility: cfg.DispatchVis, MaxDequeue: cfg.DispatchMaxDeq, Workers: cfg.DispatchWork,
		})
	}
	return a, nil
}

// serve runs the HTTP server, the dispatcher and the background refreshers
// until ctx ends, then shuts down: readiness fails first, requests in flight
// finish (within SHUTDOWN_TIMEOUT), and the dispatcher abandons its runs,
// whose messages reappear for the next router.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	var wg sync.WaitGroup
	wg.Go(func() { dispatch.WatchDepth(bg, a.storage.Work, a.tracker, a.metrics, a.cfg.DepthEvery, a.log) })
	if a.secrets != nil {
		wg.Go(func() { a.refreshSettings(bg) })
	}
	if a.dispatcher != nil {
		wg.Go(func() { a.dispatcher.Run(bg) })
	}
	srv := &http.Server{Handler: a.server, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("router listening", "addr", ln.Addr().String(), "executor", a.cfg.Executor, "inference_url", a.cfg.InferenceURL)

	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.log.Info("shutting down")
		a.server.Drain()
		sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTO)
		err = srv.Shutdown(sctx)
		cancel()
	}
	stopBG()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	a.log.Info("router stopped")
	return err
}

// refreshSettings reads the settings at once, then every RefreshEvery. Until
// a first read succeeds it retries sooner, doubling from one second up to
// RefreshEvery, so the router becomes ready soon after Key Vault access
// takes effect (role assignments can take minutes to apply).
func (a *app) refreshSettings(ctx context.Context) {
	backoff := min(time.Second, a.cfg.RefreshEvery)
	for {
		wait := a.cfg.RefreshEvery
		if err := a.settings.Refresh(ctx, a.secrets); err != nil && ctx.Err() == nil {
			a.metrics.SettingsRefreshFailures.Inc()
			if !a.settings.Ready() {
				a.log.Warn("settings not read yet; not ready, retrying", "err", err, "retry_in", backoff.String())
				wait, backoff = backoff, min(2*backoff, a.cfg.RefreshEvery)
			} else {
				a.log.Warn("settings refresh failed; keeping the last good settings", "err", err)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
