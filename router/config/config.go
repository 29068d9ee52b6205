// Package config is the router's configuration as a contract: the names of
// the environment variables it reads (names.go), their defaults (Default)
// and their parsing and validation (Load), plus the request log's field names
// (logfields.go). The stack that deploys the router sets its environment from
// these names and defaults, and a test in the stack loads the mocked stacks'
// router environment through Load, so the two cannot drift apart.
package config

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Config is everything the router reads from its environment; router/README.md
// documents each variable.
type Config struct {
	Addr            string
	KeyHashes       [][sha256.Size]byte
	KeyVaultURI     string
	RefreshEvery    time.Duration
	Settings        router.Settings
	InferenceURL    string
	MaxBodyBytes    int64
	RealtimeTimeout time.Duration
	ShutdownTimeout time.Duration
	// DrainPeriod is how long, after SIGTERM, /readyz answers 503 while
	// the router still serves, before it stops listening.
	DrainPeriod time.Duration
	// BodyRead bounds the receiving of request bodies.
	BodyRead     BodyRead
	DepthEvery   time.Duration
	LogLevel     string
	Storage      Storage
	Executor     string
	LocalCommand []string
	Batch        Batch
	Dispatch     Dispatch
	// FleetSync is how often replicas share their live state (router/fleet);
	// 0 turns coordination off: this replica does every duty itself.
	FleetSync     time.Duration
	MetricsPublic bool
	// OpenAIURL is the app's OpenAI base URL; empty derives it from
	// InferenceURL (its origin plus /v1).
	OpenAIURL string
	// InferenceAPI is the micro-batch line format, one of InferenceAPIs.
	InferenceAPI string
	// Models are the model deployments (MODELS, or the one the single-model
	// variables describe).
	Models   []Model
	BatchAPI BatchAPI
	// AllowedOrigins are the browser origins CORS admits (none: no CORS).
	AllowedOrigins []string
	// Region is this router's region, Peers the other regions' routers,
	// Spillover whether a peer may answer realtime requests this region
	// cannot, FrontDoorID the front door requests must come through.
	Region      string
	Peers       []Peer
	Spillover   string
	FrontDoorID string
}

// BodyRead bounds the receiving of request bodies: a body must arrive within
// Timeout plus its declared size at MinRate bytes/s, and at most MaxAtOnce
// are received at once.
type BodyRead struct {
	Timeout   time.Duration
	MinRate   int64
	MaxAtOnce int
}

// Storage names the storage account's endpoints, queues and containers.
type Storage struct {
	QueueEndpoint, BlobEndpoint, ConnectionString string
	WorkQueue, PoisonQueue                        string
	RequestContainer, ResultContainer             string
	// Ensure creates the queues and containers at start.
	Ensure bool
}

// Batch is where the azure-batch executor sends micro-batches.
type Batch struct {
	Endpoint, PoolID, JobID, Image, Command, NodeIdentity string
}

// BatchAPI limits the OpenAI Batch API (router/batchapi).
type BatchAPI struct {
	MaxFileBytes int64
	MaxLines     int
	Poll         time.Duration
	// ChunkLines is the most lines per chunk: one micro-batch, one Batch
	// task. Storage calls go per chunk, so chunks far smaller than that
	// make validation and runs pay a round trip per few lines.
	ChunkLines int
}

// MaxBatchAPIChunkLines bounds BATCH_API_CHUNK_LINES.
const MaxBatchAPIChunkLines = 10_000

// Dispatch tunes the dispatcher.
type Dispatch struct {
	BatchSize  int
	Gather     time.Duration
	Visibility time.Duration
	MaxDequeue int64
	// Workers 0: as many micro-batches at once as max-batch-nodes says.
	Workers int
}

// ReferenceBatchCommand is the reference model's batch command inside its
// image (refmodel/Dockerfile installs the binary at /usr/local/bin/refmodel).
const ReferenceBatchCommand = "/usr/local/bin/refmodel batch"

// Default is the configuration of an empty environment: what the router runs
// with for every variable not set. The stack's defaults for the same settings
// are these (components/config/schema.go reads them from here).
//
// MAX_BODY_BYTES is 4 MiB and BATCH_JOB_ID gpuorch-inference, the values the
// deployed stacks have always run with: the router's former defaults (10 MiB,
// router-jobs) only ever applied to local runs, where the larger limit was
// not needed and no Batch job exists, while changing the stack's would have
// changed live deployments (a new Batch job, a looser body limit).
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		RefreshEvery:    time.Minute,
		Settings:        router.DefaultSettings(),
		InferenceURL:    "http://127.0.0.1:8000/infer",
		MaxBodyBytes:    4 << 20,
		RealtimeTimeout: 240 * time.Second,
		ShutdownTimeout: 30 * time.Second,
		// 15 s: the router app's readiness probe (every 5 s, 3 failures,
		// components/router.go) takes that long to stop sending it traffic.
		DrainPeriod: 15 * time.Second,
		BodyRead:    BodyRead{Timeout: 10 * time.Second, MinRate: 64 << 10, MaxAtOnce: 256},
		DepthEvery:  5 * time.Second,
		LogLevel:    "info",
		Storage: Storage{
			WorkQueue:        "inference-work",
			PoisonQueue:      "inference-poison",
			RequestContainer: "requests",
			ResultContainer:  "results",
		},
		Executor: ExecutorAzureBatch,
		Batch:    Batch{JobID: "gpuorch-inference", Command: ReferenceBatchCommand},
		// A micro-batch waits up to 30 s to fill (sim's micro_batch
		// parameter); runs follow max-batch-nodes, one per node.
		Dispatch:  Dispatch{BatchSize: 32, Gather: 30 * time.Second, Visibility: 2 * time.Minute, MaxDequeue: 5},
		FleetSync: time.Second,
		Spillover: SpilloverOff,
		// OpenAI's own limits per batch: 50,000 requests (files up to 200 MB;
		// 100 MiB here, as the router holds a file in memory while storing it).
		InferenceAPI: router.FormatReference,
		BatchAPI:     BatchAPI{MaxFileBytes: 100 << 20, MaxLines: 50_000, Poll: 2 * time.Second, ChunkLines: 256},
	}
}

// Load reads the environment through getenv over Default and validates it.
// An error names the variable and what it allows.
func Load(getenv func(string) string) (Config, error) {
	e := &envReader{get: getenv}
	c := Default()
	s := &c.Settings
	s.RealtimeThreshold = time.Duration(e.int(EnvRealtimeThresholdMs, s.RealtimeThreshold.Milliseconds())) * time.Millisecond
	s.BatchCostThreshold = e.float(EnvBatchCostThreshold, s.BatchCostThreshold)
	s.MaxACAReplicas = int(e.int(EnvMaxACAReplicas, int64(s.MaxACAReplicas)))
	s.MaxBatchNodes = int(e.int(EnvMaxBatchNodes, int64(s.MaxBatchNodes)))
	s.ModelVersion = e.str(EnvModelVersion, s.ModelVersion)
	s.GPUMemoryLimit = e.str(EnvGPUMemoryLimit, s.GPUMemoryLimit)
	s.ReplicaConcurrency = int(e.int(EnvReplicaConcurrency, int64(s.ReplicaConcurrency)))
	s.MinReplicas = int(e.int(EnvMinReplicas, int64(s.MinReplicas)))
	s.ColdStart = e.dur(EnvColdStart, s.ColdStart)
	s.ScaleDownDelay = e.dur(EnvScaleDownDelay, s.ScaleDownDelay)
	s.RealtimeLatency = e.dur(EnvRealtimeLatency, s.RealtimeLatency)
	s.RealtimePerKiB = e.dur(EnvRealtimeLatencyPerKiB, s.RealtimePerKiB)
	s.BatchLatency = e.dur(EnvBatchLatency, s.BatchLatency)
	s.RealtimePricePerSecond = e.float(EnvRealtimePricePerSecond, s.RealtimePricePerSecond)
	s.BatchPricePerSecond = e.float(EnvBatchPricePerSecond, s.BatchPricePerSecond)
	s.MaxQueueDepth = int(e.int(EnvMaxQueueDepth, int64(s.MaxQueueDepth)))
	s.MaxRealtimeBytes = e.int(EnvMaxRealtimeBytes, s.MaxRealtimeBytes)

	c.Addr = e.str(EnvAddr, c.Addr)
	c.KeyVaultURI = e.str(EnvKeyVaultURI, c.KeyVaultURI)
	c.RefreshEvery = e.dur(EnvSettingsRefresh, c.RefreshEvery)
	c.InferenceURL = e.str(EnvInferenceURL, c.InferenceURL)
	c.OpenAIURL = e.str(EnvInferenceOpenAIURL, c.OpenAIURL)
	c.InferenceAPI = e.str(EnvInferenceAPI, c.InferenceAPI)
	ba := &c.BatchAPI
	ba.MaxFileBytes = e.int(EnvBatchAPIMaxFileBytes, ba.MaxFileBytes)
	ba.MaxLines = int(e.int(EnvBatchAPIMaxLines, int64(ba.MaxLines)))
	ba.Poll = e.dur(EnvBatchAPIPoll, ba.Poll)
	ba.ChunkLines = int(e.int(EnvBatchAPIChunkLines, int64(ba.ChunkLines)))
	c.MaxBodyBytes = e.int(EnvMaxBodyBytes, c.MaxBodyBytes)
	c.RealtimeTimeout = e.dur(EnvRealtimeTimeout, c.RealtimeTimeout)
	c.ShutdownTimeout = e.dur(EnvShutdownTimeout, c.ShutdownTimeout)
	c.DrainPeriod = e.dur(EnvDrainPeriod, c.DrainPeriod)
	c.BodyRead.Timeout = e.dur(EnvBodyReadTimeout, c.BodyRead.Timeout)
	c.BodyRead.MinRate = e.int(EnvBodyReadMinRate, c.BodyRead.MinRate)
	c.BodyRead.MaxAtOnce = int(e.int(EnvMaxBodyReads, int64(c.BodyRead.MaxAtOnce)))
	c.DepthEvery = e.dur(EnvQueueDepthInterval, c.DepthEvery)
	c.LogLevel = e.str(EnvLogLevel, c.LogLevel)

	st := &c.Storage
	st.QueueEndpoint = e.str(EnvQueueEndpoint, st.QueueEndpoint)
	st.BlobEndpoint = e.str(EnvBlobEndpoint, st.BlobEndpoint)
	st.ConnectionString = e.str(EnvConnectionString, st.ConnectionString)
	st.WorkQueue = e.str(EnvWorkQueue, st.WorkQueue)
	st.PoisonQueue = e.str(EnvPoisonQueue, st.PoisonQueue)
	st.RequestContainer = e.str(EnvRequestContainer, st.RequestContainer)
	st.ResultContainer = e.str(EnvResultContainer, st.ResultContainer)
	// Creating queues is for Azurite; in Azure the stack declares them.
	st.Ensure = e.bool(EnvStorageEnsure, st.ConnectionString != "")

	c.Executor = e.str(EnvExecutor, c.Executor)
	if cmd := e.str(EnvLocalBatchCommand, ""); cmd != "" {
		c.LocalCommand = strings.Fields(cmd)
	}
	b := &c.Batch
	b.Endpoint = e.str(EnvBatchAccountEndpoint, b.Endpoint)
	b.PoolID = e.str(EnvBatchPoolID, b.PoolID)
	b.JobID = e.str(EnvBatchJobID, b.JobID)
	b.Image = e.str(EnvInferenceImage, b.Image)
	b.Command = e.str(EnvBatchCommand, b.Command)
	b.NodeIdentity = e.str(EnvBatchNodeIdentity, b.NodeIdentity)

	d := &c.Dispatch
	d.BatchSize = int(e.int(EnvDispatchBatchSize, int64(d.BatchSize)))
	d.Visibility = e.dur(EnvDispatchVisibility, d.Visibility)
	// Unset, the gather fits the visibility it is given.
	d.Gather = e.dur(EnvDispatchGather, min(d.Gather, d.Visibility/3))
	d.MaxDequeue = e.int(EnvDispatchMaxDequeue, d.MaxDequeue)
	d.Workers = int(e.int(EnvDispatchWorkers, int64(d.Workers)))
	c.FleetSync = e.dur(EnvFleetSync, c.FleetSync)
	c.MetricsPublic = e.bool(EnvMetricsPublic, c.MetricsPublic)
	if v := e.str(EnvCORSOrigins, ""); v != "" {
		origins, err := ParseOrigins(v)
		if err != nil && e.err == nil {
			e.err = fmt.Errorf("%s: %w", EnvCORSOrigins, err)
		}
		c.AllowedOrigins = origins
	}

	if e.err != nil {
		return c, e.err
	}
	if err := c.Settings.Validate(); err != nil {
		return c, fmt.Errorf("settings: %w", err)
	}
	if k := e.str(EnvAPIKey, ""); k != "" {
		c.KeyHashes = append(c.KeyHashes, sha256.Sum256([]byte(k)))
	}
	if err := c.loadModels(e.str(EnvModels, "")); err != nil {
		return c, err
	}
	c.Region = e.str(EnvRegion, c.Region)
	c.Spillover = e.str(EnvSpillover, c.Spillover)
	c.FrontDoorID = e.str(EnvFrontDoorID, c.FrontDoorID)
	if err := c.loadRegions(e.str(EnvPeers, "")); err != nil {
		return c, err
	}
	hashes, err := router.ParseKeyHashes(e.str(EnvAPIKeySHA256, ""))
	if err != nil {
		return c, fmt.Errorf("%s: %w", EnvAPIKeySHA256, err)
	}
	c.KeyHashes = append(c.KeyHashes, hashes...)
	if err := c.validate(); err != nil {
		return c, err
	}
	return c, nil
}

func (c Config) validate() error {
	if len(c.KeyHashes) == 0 && c.KeyVaultURI == "" {
		return fmt.Errorf("no API key accepted: set %s, %s (secret %s) or, locally, %s",
			EnvAPIKeySHA256, EnvKeyVaultURI, router.SecretAPIKeyHashes, EnvAPIKey)
	}
	if c.MaxBodyBytes <= 0 {
		return fmt.Errorf("%s=%d: want a positive number of bytes", EnvMaxBodyBytes, c.MaxBodyBytes)
	}
	if !slices.Contains(InferenceAPIs, c.InferenceAPI) {
		return fmt.Errorf("%s=%q: want %s (the reference model's batch lines) or %s (OpenAI batch lines, e.g. vLLM's run-batch)",
			EnvInferenceAPI, c.InferenceAPI, router.FormatReference, router.FormatOpenAI)
	}
	if err := c.validateModels(); err != nil {
		return err
	}
	if err := c.validateRegions(); err != nil {
		return err
	}
	if c.BatchAPI.MaxFileBytes <= 0 || c.BatchAPI.MaxLines <= 0 || c.BatchAPI.Poll <= 0 {
		return fmt.Errorf("%s, %s and %s must be positive", EnvBatchAPIMaxFileBytes, EnvBatchAPIMaxLines, EnvBatchAPIPoll)
	}
	if n := c.BatchAPI.ChunkLines; n < 1 || n > MaxBatchAPIChunkLines {
		return fmt.Errorf("%s=%d: want 1 to %d lines per chunk", EnvBatchAPIChunkLines, n, MaxBatchAPIChunkLines)
	}
	if d := c.Dispatch; d.BatchSize < 1 || d.BatchSize > router.MaxMicroBatch {
		return fmt.Errorf("%s=%d: want 1 to %d messages", EnvDispatchBatchSize, d.BatchSize, router.MaxMicroBatch)
	} else if d.Gather < 0 || d.Gather > d.Visibility/3 {
		return fmt.Errorf("%s=%s: want 0 to a third of %s (%s): gathered messages are hidden only that long before the run extends them", EnvDispatchGather, d.Gather, EnvDispatchVisibility, d.Visibility/3)
	} else if d.Workers < 0 {
		return fmt.Errorf("%s=%d: want 0 (one run per node max-batch-nodes allows) or more", EnvDispatchWorkers, d.Workers)
	}
	if c.FleetSync < 0 || c.FleetSync > time.Minute {
		return fmt.Errorf("%s=%s: want 0 (no coordination between replicas) up to 1m; shares older than twice it count as a dead replica's", EnvFleetSync, c.FleetSync)
	}
	if c.BodyRead.Timeout <= 0 {
		return fmt.Errorf("%s=%s: want a positive duration", EnvBodyReadTimeout, c.BodyRead.Timeout)
	}
	if c.BodyRead.MinRate <= 0 {
		return fmt.Errorf("%s=%d: want a positive number of bytes per second", EnvBodyReadMinRate, c.BodyRead.MinRate)
	}
	if c.BodyRead.MaxAtOnce <= 0 {
		return fmt.Errorf("%s=%d: want a positive number of bodies", EnvMaxBodyReads, c.BodyRead.MaxAtOnce)
	}
	switch c.Executor {
	case ExecutorLocal:
		if len(c.LocalCommand) == 0 {
			return fmt.Errorf("%s=%s needs %s (the batch command, e.g. \"bin/refmodel batch\")", EnvExecutor, ExecutorLocal, EnvLocalBatchCommand)
		}
	case ExecutorAzureBatch:
		var missing []string
		for _, v := range []struct{ name, value string }{
			{EnvBatchAccountEndpoint, c.Batch.Endpoint}, {EnvBatchNodeIdentity, c.Batch.NodeIdentity},
		} {
			if v.value == "" {
				missing = append(missing, v.name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s=%s needs %s", EnvExecutor, ExecutorAzureBatch, strings.Join(missing, ", "))
		}
	case ExecutorNone:
	default:
		return fmt.Errorf("%s=%q: want %s, %s or %s", EnvExecutor, c.Executor, ExecutorAzureBatch, ExecutorLocal, ExecutorNone)
	}
	return nil
}
