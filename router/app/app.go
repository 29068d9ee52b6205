// Package app wires the router: the HTTP API, the storage adapters, the
// settings refresher and the dispatcher, from a config.Config, and runs them
// until its context ends. router/cmd/router runs it; the benchmark harness
// profiles the same wiring.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/azure"
	"github.com/gpu-orchestration/gpu-orchestration/router/batchapi"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	inferenceclient "github.com/gpu-orchestration/gpu-orchestration/router/inference"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/local"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
)

// App is the wired router.
type App struct {
	cfg        config.Config
	log        *slog.Logger
	settings   *live.Settings
	tracker    *live.Tracker
	metrics    *metrics.Metrics
	storage    *azure.Storage
	server     *routerhttp.Server
	dispatcher *dispatch.Dispatcher
	batches    *batchapi.Service
	secrets    router.SecretSource
}

// New builds the router from cfg: adapters, settings (read from Key Vault once Serve runs),
// HTTP server and, unless the executor is none, the dispatcher.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log, tracker: &live.Tracker{}, metrics: metrics.New()}
	a.settings = live.NewSettings(cfg.Settings, cfg.KeyHashes)

	var cred azcore.TokenCredential
	if cfg.Storage.ConnectionString == "" || cfg.KeyVaultURI != "" || cfg.Executor == config.ExecutorAzureBatch {
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
		return nil, fmt.Errorf("%s=%q is not an absolute URL", config.EnvInferenceURL, cfg.InferenceURL)
	}
	var openAIURL *url.URL // nil: the server derives it from INFERENCE_URL
	if cfg.OpenAIURL != "" {
		if openAIURL, err = url.Parse(cfg.OpenAIURL); err != nil || openAIURL.Scheme == "" || openAIURL.Host == "" {
			return nil, fmt.Errorf("%s=%q is not an absolute URL", config.EnvInferenceOpenAIURL, cfg.OpenAIURL)
		}
	}
	format, err := dispatch.NewFormat(cfg.InferenceAPI, inference.Path)
	if err != nil {
		return nil, err
	}
	jobService := &jobs.Service{Queue: st.Work, Store: st.Jobs, Payloads: st.Blobs, RequestContainer: cfg.Storage.RequestContainer}
	a.batches = batchapi.New(batchapi.Config{
		Blobs: st.Blobs, Container: cfg.Storage.RequestContainer, Queue: st.Work,
		Enabled: cfg.InferenceAPI == dispatch.FormatOpenAI, Model: func() string { return a.settings.Current().ModelVersion },
		MaxFileBytes: cfg.BatchAPI.MaxFileBytes, MaxLines: cfg.BatchAPI.MaxLines, MaxLineBytes: int(min(cfg.MaxBodyBytes, 1<<30)),
		ChunkLines: cfg.BatchAPI.ChunkLines, Window: a.chunkWindow, Poll: cfg.BatchAPI.Poll, Log: log,
	})
	a.server = routerhttp.NewServer(routerhttp.Config{
		Settings: a.settings, Tracker: a.tracker, Metrics: a.metrics, Log: log,
		Jobs: jobService, Batches: a.batches, OpenAIURL: openAIURL,
		InferenceURL: inference, MaxBodyBytes: cfg.MaxBodyBytes, RealtimeTimeout: cfg.RealtimeTimeout,
		MetricsPublic: cfg.MetricsPublic, AllowedOrigins: cfg.AllowedOrigins,
		BodyReadTimeout: cfg.BodyRead.Timeout, BodyReadRate: cfg.BodyRead.MinRate, MaxBodyReads: cfg.BodyRead.MaxAtOnce,
	})

	var exec router.Executor
	switch cfg.Executor {
	case config.ExecutorLocal:
		exec = &local.Executor{Command: cfg.LocalCommand, Payloads: st.Blobs}
	case config.ExecutorAzureBatch:
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
			Queue: st.Work, Poison: st.Poison, Jobs: st.Jobs, Payloads: st.Blobs, Executor: exec, Format: format,
			RequestContainer: cfg.Storage.RequestContainer, ResultContainer: cfg.Storage.ResultContainer,
			Settings: a.settings.Current, Tracker: a.tracker, Metrics: a.metrics, Log: log,
			BatchSize: cfg.Dispatch.BatchSize, Gather: cfg.Dispatch.Gather, Visibility: cfg.Dispatch.Visibility,
			MaxDequeue: cfg.Dispatch.MaxDequeue, Workers: cfg.Dispatch.Workers,
			Realtime: &inferenceclient.Client{URL: cfg.InferenceURL, HTTP: &http.Client{Transport: routerhttp.NewTransport()}},
			Chunks:   a.batches,
		})
		// Jobs the pool would finish late run on the app (Decision.Expedite).
		jobService.Expediter = a.dispatcher
	}
	return a, nil
}

// chunkWindow is how many chunks of one Batch API batch wait or run at
// once: two per micro-batch the dispatcher runs at once (one running, one
// ready), at least 8 so that a fast pool does not wait for the manager.
func (a *App) chunkWindow() int {
	w := a.cfg.Dispatch.Workers
	if w == 0 {
		w = a.settings.Current().MaxBatchNodes
	}
	return max(8, 2*w)
}

// Serve runs the HTTP server, the dispatcher and the background refreshers
// until ctx ends, then shuts down: readiness fails first and the router
// keeps serving for DRAIN_PERIOD, so that the load balancer sees "not ready"
// before connections are refused; then requests in flight finish (within
// SHUTDOWN_TIMEOUT), and the dispatcher gives its runs back to the queue.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
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
	wg.Go(func() { a.server.KeepWarm(bg) })
	wg.Go(func() { a.batches.Run(bg) })
	srv := &http.Server{Handler: a.server, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		MaxHeaderBytes: routerhttp.ServerMaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("router listening", "addr", ln.Addr().String(), "executor", a.cfg.Executor, "inference_url", a.cfg.InferenceURL)

	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.log.Info("shutting down: not ready, draining", "drain_period", a.cfg.DrainPeriod.String())
		a.server.Drain()
		select {
		case err = <-errc: // the server failed while draining
		case <-time.After(a.cfg.DrainPeriod):
			sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
			err = srv.Shutdown(sctx)
			cancel()
		}
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
func (a *App) refreshSettings(ctx context.Context) {
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
