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
	"github.com/gpu-orchestration/gpu-orchestration/router/fleet"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	inferenceclient "github.com/gpu-orchestration/gpu-orchestration/router/inference"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/local"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
	"github.com/gpu-orchestration/gpu-orchestration/router/rollout"
)

// App is the wired router.
type App struct {
	cfg        config.Config
	log        *slog.Logger
	settings   *live.Settings
	models     *models.Catalog
	metrics    *metrics.Metrics
	storage    *azure.Storage
	server     *routerhttp.Server
	dispatcher *dispatch.Dispatcher
	batches    *batchapi.Service
	fleet      *fleet.Fleet
	secrets    router.SecretSource
}

// New builds the router from cfg: adapters, settings (read from Key Vault once Serve runs),
// HTTP server and, unless the executor is none, the dispatcher.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log, metrics: metrics.New()}
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

	if a.models, err = models.New(cfg.Models, a.settings); err != nil {
		return nil, err
	}
	var fleetStore router.FleetStore // nil: no coordination (FLEET_SYNC_INTERVAL=0)
	if cfg.FleetSync > 0 {
		fleetStore = st.Fleet
	}
	// Only a replica that can run micro-batches leads: the leader runs the
	// fleet's dispatcher.
	a.fleet = fleet.New(fleet.Config{Store: fleetStore, Models: a.models, Sync: cfg.FleetSync,
		Lead: cfg.Executor != config.ExecutorNone, Metrics: a.metrics, Log: log})
	jobService := &jobs.Service{Queue: st.Work, Store: st.Jobs, Payloads: st.Blobs, RequestContainer: cfg.Storage.RequestContainer, Region: cfg.Region}
	var peers []routerhttp.Peer
	for _, p := range cfg.Peers {
		u, err := url.Parse(p.URL)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", config.EnvPeers, err)
		}
		peers = append(peers, routerhttp.Peer{Region: p.Region, URL: u})
	}
	a.batches = batchapi.New(batchapi.Config{
		Blobs: st.Blobs, Container: cfg.Storage.RequestContainer, Queue: st.Work,
		Enabled: len(a.models.OpenAIBatchModels()) > 0, Route: a.models.OpenAIBatchModel,
		MaxFileBytes: cfg.BatchAPI.MaxFileBytes, MaxLines: cfg.BatchAPI.MaxLines, MaxLineBytes: int(min(cfg.MaxBodyBytes, 1<<30)),
		ChunkLines: cfg.BatchAPI.ChunkLines, Window: a.chunkWindow, Poll: cfg.BatchAPI.Poll, Log: log,
	})
	a.server = routerhttp.NewServer(routerhttp.Config{
		Settings: a.settings, Models: a.models, Metrics: a.metrics, Log: log,
		Jobs: jobService, Batches: a.batches, MaxBodyBytes: cfg.MaxBodyBytes, RealtimeTimeout: cfg.RealtimeTimeout,
		MetricsPublic: cfg.MetricsPublic, AllowedOrigins: cfg.AllowedOrigins, TakeWake: a.fleet.TakeWake,
		Region: cfg.Region, Peers: peers, Spillover: cfg.Spillover == config.SpilloverRealtime, FrontDoorID: cfg.FrontDoorID,
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
			Queue: st.Work, Poison: st.Poison, Jobs: st.Jobs, Payloads: st.Blobs, Executor: exec,
			RequestContainer: cfg.Storage.RequestContainer, ResultContainer: cfg.Storage.ResultContainer,
			Models: a.models, Metrics: a.metrics, Log: log,
			BatchSize: cfg.Dispatch.BatchSize, Gather: cfg.Dispatch.Gather, Visibility: cfg.Dispatch.Visibility,
			MaxDequeue: cfg.Dispatch.MaxDequeue, Workers: cfg.Dispatch.Workers,
			Realtime: a.inferer(),
			Chunks:   a.batches,
		})
		// Jobs the pool would finish late run on the app (Decision.Expedite).
		jobService.Expediter = a.dispatcher
	}
	return a, nil
}

// inferer gives each model revision the client that runs its expedited
// jobs on its GPU app, over one pooled transport.
func (a *App) inferer() func(*models.Revision) router.Inferer {
	client := &http.Client{Transport: routerhttp.NewTransport()}
	byRevision := map[*models.Revision]router.Inferer{}
	for _, m := range a.models.All() {
		for _, r := range m.Revisions {
			byRevision[r] = &inferenceclient.Client{URL: r.InferenceURL.String(), HTTP: client}
		}
	}
	return func(r *models.Revision) router.Inferer { return byRevision[r] }
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
	wg.Go(func() { dispatch.WatchDepth(bg, a.storage.Work, a.models, a.metrics, a.cfg.DepthEvery, a.log) })
	if a.secrets != nil {
		wg.Go(func() { a.refreshSettings(bg) })
	}
	wg.Go(func() { a.fleet.Run(bg) })
	if a.dispatcher != nil {
		wg.Go(func() { a.dispatcher.RunExpedited(bg) })
	}
	wg.Go(func() { a.fleet.Lead(bg, a.lead) })
	wg.Go(func() { a.reportWeights(bg) })
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

// lead runs the duties one replica of the fleet does, until ctx ends: the
// pool's micro-batches (so the pool never holds more tasks than
// max-batch-nodes), keep-warm (one stream of requests keeps the app up),
// the Batch API's manager (batches advance once) and the canaries'
// analysis (judged once, on the fleet's evidence).
func (a *App) lead(ctx context.Context) {
	var wg sync.WaitGroup
	if a.dispatcher != nil {
		wg.Go(func() { a.dispatcher.RunPool(ctx) })
	}
	wg.Go(func() { a.server.KeepWarm(ctx) })
	wg.Go(func() { a.batches.Run(ctx) })
	wg.Go(func() {
		(&rollout.Analyst{Models: a.models, Metrics: a.metrics, Log: a.log, Keep: a.keepRollback}).Run(ctx)
	})
	wg.Wait()
}

// reportWeights keeps router_revision_weight equal to each revision's share
// of its model's traffic in force, which a rollback on any replica changes.
func (a *App) reportWeights(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		for _, m := range a.models.All() {
			for _, r := range m.Revisions {
				a.metrics.RevisionWeight.WithLabelValues(m.ID(), r.Name).Set(float64(m.Weight(r)))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refreshSettings reads the settings at once, then every RefreshEvery. Until
// a first read succeeds it retries sooner, doubling from one second up to
// RefreshEvery, so the router becomes ready soon after Key Vault access
// takes effect (role assignments can take minutes to apply).
func (a *App) refreshSettings(ctx context.Context) {
	backoff := min(time.Second, a.cfg.RefreshEvery)
	for {
		wait := a.cfg.RefreshEvery
		err := a.settings.Refresh(ctx, a.secrets)
		if err == nil {
			err = a.readRollbacks(ctx)
		}
		if err != nil && ctx.Err() == nil {
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
