package main

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

// config is everything the router reads from its environment; router/README.md
// documents each variable.
type config struct {
	Addr           string
	KeyHashes      [][sha256.Size]byte
	KeyVaultURI    string
	RefreshEvery   time.Duration
	Settings       router.Settings
	InferenceURL   string
	OpenAIURL      string
	InferenceAPI   string
	BatchAPI       batchAPIConfig
	MaxBodyBytes   int64
	RealtimeTO     time.Duration
	ShutdownTO     time.Duration
	DepthEvery     time.Duration
	LogLevel       string
	Storage        storageConfig
	Executor       string
	LocalCommand   []string
	Batch          batchConfig
	DispatchSize   int
	DispatchVis    time.Duration
	DispatchMaxDeq int64
	DispatchWork   int
	MetricsPublic  bool
}

type storageConfig struct {
	QueueEndpoint, BlobEndpoint, ConnectionString string
	WorkQueue, PoisonQueue                        string
	RequestContainer, ResultContainer             string
	Ensure                                        bool
}

// batchAPIConfig limits the OpenAI Batch API.
type batchAPIConfig struct {
	MaxFileBytes int64
	MaxLines     int
	Poll         time.Duration
}

type batchConfig struct {
	Endpoint, PoolID, JobID, Image, Command, NodeIdentity string
}

// envReader reads typed variables and remembers the first error.
type envReader struct {
	get func(string) string
	err error
}

func (e *envReader) str(name, def string) string {
	if v := strings.TrimSpace(e.get(name)); v != "" {
		return v
	}
	return def
}

func (e *envReader) fail(name, v, want string) {
	if e.err == nil {
		e.err = fmt.Errorf("%s=%q: want %s", name, v, want)
	}
}

func (e *envReader) int(name string, def int64) int64 {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		e.fail(name, v, "a whole number")
	}
	return n
}

func (e *envReader) float(name string, def float64) float64 {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		e.fail(name, v, "a number")
	}
	return f
}

func (e *envReader) dur(name string, def time.Duration) time.Duration {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		e.fail(name, v, "a Go duration such as 30s or 5m")
	}
	return d
}

func (e *envReader) bool(name string, def bool) bool {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(name, v, "true or false")
	}
	return b
}

// loadConfig reads the environment through getenv.
func loadConfig(getenv func(string) string) (config, error) {
	e := &envReader{get: getenv}
	s := router.DefaultSettings()
	s.RealtimeThreshold = time.Duration(e.int("REALTIME_THRESHOLD_MS", s.RealtimeThreshold.Milliseconds())) * time.Millisecond
	s.BatchCostThreshold = e.float("BATCH_COST_THRESHOLD", s.BatchCostThreshold)
	s.MaxACAReplicas = int(e.int("MAX_ACA_REPLICAS", int64(s.MaxACAReplicas)))
	s.MaxBatchNodes = int(e.int("MAX_BATCH_NODES", int64(s.MaxBatchNodes)))
	s.ModelVersion = e.str("MODEL_VERSION", s.ModelVersion)
	s.GPUMemoryLimit = e.str("GPU_MEMORY_LIMIT", s.GPUMemoryLimit)
	s.ReplicaConcurrency = int(e.int("REPLICA_CONCURRENCY", int64(s.ReplicaConcurrency)))
	s.ColdStart = e.dur("COLD_START", s.ColdStart)
	s.ScaleDownDelay = e.dur("SCALE_DOWN_DELAY", s.ScaleDownDelay)
	s.RealtimeLatency = e.dur("REALTIME_LATENCY", s.RealtimeLatency)
	s.RealtimePerKiB = e.dur("REALTIME_LATENCY_PER_KIB", s.RealtimePerKiB)
	s.BatchLatency = e.dur("BATCH_LATENCY", s.BatchLatency)
	s.RealtimePricePerSecond = e.float("REALTIME_PRICE_PER_SECOND", s.RealtimePricePerSecond)
	s.BatchPricePerSecond = e.float("BATCH_PRICE_PER_SECOND", s.BatchPricePerSecond)
	s.MaxQueueDepth = int(e.int("MAX_QUEUE_DEPTH", int64(s.MaxQueueDepth)))
	s.MaxRealtimeBytes = e.int("MAX_REALTIME_BYTES", s.MaxRealtimeBytes)

	c := config{
		Addr:         e.str("ROUTER_ADDR", "127.0.0.1:8080"),
		KeyVaultURI:  e.str("KEY_VAULT_URI", ""),
		RefreshEvery: e.dur("SETTINGS_REFRESH_INTERVAL", time.Minute),
		Settings:     s,
		InferenceURL: e.str("INFERENCE_URL", "http://127.0.0.1:8000/infer"),
		OpenAIURL:    e.str("INFERENCE_OPENAI_URL", ""),
		InferenceAPI: e.str("INFERENCE_API", "reference"),
		BatchAPI: batchAPIConfig{
			MaxFileBytes: e.int("BATCH_API_MAX_FILE_BYTES", 100<<20),
			MaxLines:     int(e.int("BATCH_API_MAX_LINES", 50_000)),
			Poll:         e.dur("BATCH_API_POLL_INTERVAL", 2*time.Second),
		},
		MaxBodyBytes: e.int("MAX_BODY_BYTES", 10<<20),
		RealtimeTO:   e.dur("REALTIME_TIMEOUT", 240*time.Second),
		ShutdownTO:   e.dur("SHUTDOWN_TIMEOUT", 30*time.Second),
		DepthEvery:   e.dur("QUEUE_DEPTH_INTERVAL", 5*time.Second),
		LogLevel:     e.str("LOG_LEVEL", "info"),
		Storage: storageConfig{
			QueueEndpoint:    e.str("STORAGE_QUEUE_ENDPOINT", ""),
			BlobEndpoint:     e.str("STORAGE_BLOB_ENDPOINT", ""),
			ConnectionString: e.str("STORAGE_CONNECTION_STRING", ""),
			WorkQueue:        e.str("WORK_QUEUE", "inference-work"),
			PoisonQueue:      e.str("POISON_QUEUE", "inference-poison"),
			RequestContainer: e.str("REQUEST_CONTAINER", "requests"),
			ResultContainer:  e.str("RESULT_CONTAINER", "results"),
		},
		Executor:     e.str("EXECUTOR", "azure-batch"),
		LocalCommand: strings.Fields(e.str("LOCAL_BATCH_COMMAND", "")),
		Batch: batchConfig{
			Endpoint:     e.str("BATCH_ACCOUNT_ENDPOINT", ""),
			PoolID:       e.str("BATCH_POOL_ID", ""),
			JobID:        e.str("BATCH_JOB_ID", "router-jobs"),
			Image:        e.str("INFERENCE_IMAGE", ""),
			Command:      e.str("BATCH_COMMAND", "/usr/local/bin/refmodel batch"),
			NodeIdentity: e.str("BATCH_NODE_IDENTITY", ""),
		},
		DispatchSize:   int(e.int("DISPATCH_BATCH_SIZE", 32)),
		DispatchVis:    e.dur("DISPATCH_VISIBILITY", 2*time.Minute),
		DispatchMaxDeq: e.int("DISPATCH_MAX_DEQUEUE", 5),
		DispatchWork:   int(e.int("DISPATCH_WORKERS", 1)),
		MetricsPublic:  e.bool("METRICS_PUBLIC", false),
	}
	c.Storage.Ensure = e.bool("STORAGE_ENSURE", c.Storage.ConnectionString != "")
	if e.err != nil {
		return c, e.err
	}
	if err := s.Validate(); err != nil {
		return c, fmt.Errorf("settings: %w", err)
	}
	if k := e.str("ROUTER_API_KEY", ""); k != "" {
		c.KeyHashes = append(c.KeyHashes, sha256.Sum256([]byte(k)))
	}
	hashes, err := live.ParseKeyHashes(e.str("ROUTER_API_KEY_SHA256", ""))
	if err != nil {
		return c, fmt.Errorf("ROUTER_API_KEY_SHA256: %w", err)
	}
	c.KeyHashes = append(c.KeyHashes, hashes...)
	if len(c.KeyHashes) == 0 && c.KeyVaultURI == "" {
		return c, fmt.Errorf("no API key accepted: set ROUTER_API_KEY_SHA256, KEY_VAULT_URI (secret %s) or, locally, ROUTER_API_KEY", router.SecretAPIKeyHashes)
	}
	if c.MaxBodyBytes <= 0 {
		return c, fmt.Errorf("MAX_BODY_BYTES must be positive")
	}
	if c.InferenceAPI != "reference" && c.InferenceAPI != "openai" {
		return c, fmt.Errorf("INFERENCE_API=%q: want reference (the reference model's batch lines) or openai (OpenAI batch lines, e.g. vLLM's run_batch)", c.InferenceAPI)
	}
	if c.BatchAPI.MaxFileBytes <= 0 || c.BatchAPI.MaxLines <= 0 || c.BatchAPI.Poll <= 0 {
		return c, fmt.Errorf("BATCH_API_MAX_FILE_BYTES, BATCH_API_MAX_LINES and BATCH_API_POLL_INTERVAL must be positive")
	}
	switch c.Executor {
	case "local":
		if len(c.LocalCommand) == 0 {
			return c, fmt.Errorf("EXECUTOR=local needs LOCAL_BATCH_COMMAND (the batch command, e.g. \"bin/refmodel batch\")")
		}
	case "azure-batch":
		if c.Batch.Endpoint == "" || c.Batch.PoolID == "" || c.Batch.Image == "" || c.Batch.NodeIdentity == "" {
			return c, fmt.Errorf("EXECUTOR=azure-batch needs BATCH_ACCOUNT_ENDPOINT, BATCH_POOL_ID, INFERENCE_IMAGE and BATCH_NODE_IDENTITY")
		}
	case "none":
	default:
		return c, fmt.Errorf("EXECUTOR=%q: want azure-batch, local or none", c.Executor)
	}
	return c, nil
}
