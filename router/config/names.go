package config

import "github.com/gpu-orchestration/gpu-orchestration/router"

// The environment variables the router reads, one constant each, so the stack
// that sets them (components), the benchmark harness and the tests name them
// from here. router/README.md documents each; a test keeps the two lists equal.
const (
	EnvAddr            = "ROUTER_ADDR"
	EnvAPIKey          = "ROUTER_API_KEY"
	EnvAPIKeySHA256    = "ROUTER_API_KEY_SHA256"
	EnvKeyVaultURI     = "KEY_VAULT_URI"
	EnvSettingsRefresh = "SETTINGS_REFRESH_INTERVAL"
	// EnvAzureClientID is read by azidentity, not by Load: it picks the
	// user-assigned managed identity the router authenticates as.
	EnvAzureClientID = "AZURE_CLIENT_ID"

	EnvQueueEndpoint     = "STORAGE_QUEUE_ENDPOINT"
	EnvBlobEndpoint      = "STORAGE_BLOB_ENDPOINT"
	EnvConnectionString  = "STORAGE_CONNECTION_STRING"
	EnvStorageEnsure     = "STORAGE_ENSURE"
	EnvWorkQueue         = "WORK_QUEUE"
	EnvPoisonQueue       = "POISON_QUEUE"
	EnvRequestContainer  = "REQUEST_CONTAINER"
	EnvResultContainer   = "RESULT_CONTAINER"
	EnvInferenceURL      = "INFERENCE_URL"
	EnvExecutor          = "EXECUTOR"
	EnvLocalBatchCommand = "LOCAL_BATCH_COMMAND"

	EnvBatchAccountEndpoint = "BATCH_ACCOUNT_ENDPOINT"
	EnvBatchPoolID          = "BATCH_POOL_ID"
	EnvBatchJobID           = "BATCH_JOB_ID"
	EnvInferenceImage       = "INFERENCE_IMAGE"
	EnvBatchCommand         = "BATCH_COMMAND"
	EnvBatchNodeIdentity    = "BATCH_NODE_IDENTITY"

	EnvMaxBodyBytes       = "MAX_BODY_BYTES"
	EnvRealtimeTimeout    = "REALTIME_TIMEOUT"
	EnvShutdownTimeout    = "SHUTDOWN_TIMEOUT"
	EnvDrainPeriod        = "DRAIN_PERIOD"
	EnvBodyReadTimeout    = "BODY_READ_TIMEOUT"
	EnvBodyReadMinRate    = "BODY_READ_MIN_RATE"
	EnvMaxBodyReads       = "MAX_BODY_READS"
	EnvQueueDepthInterval = "QUEUE_DEPTH_INTERVAL"
	EnvDispatchBatchSize  = "DISPATCH_BATCH_SIZE"
	EnvDispatchGather     = "DISPATCH_GATHER"
	EnvDispatchVisibility = "DISPATCH_VISIBILITY"
	EnvDispatchMaxDequeue = "DISPATCH_MAX_DEQUEUE"
	EnvDispatchWorkers    = "DISPATCH_WORKERS"
	EnvFleetSync          = "FLEET_SYNC_INTERVAL"
	EnvMetricsPublic      = "METRICS_PUBLIC"
	EnvCORSOrigins        = "CORS_ALLOWED_ORIGINS"
	EnvLogLevel           = "LOG_LEVEL"

	// The initial routing settings; Key Vault secrets of the same meaning
	// (router.SettingSecrets) override the first six when present.
	EnvRealtimeThresholdMs    = "REALTIME_THRESHOLD_MS"
	EnvBatchCostThreshold     = "BATCH_COST_THRESHOLD"
	EnvMaxACAReplicas         = "MAX_ACA_REPLICAS"
	EnvMaxBatchNodes          = "MAX_BATCH_NODES"
	EnvModelVersion           = "MODEL_VERSION"
	EnvGPUMemoryLimit         = "GPU_MEMORY_LIMIT"
	EnvReplicaConcurrency     = "REPLICA_CONCURRENCY"
	EnvMinReplicas            = "MIN_REPLICAS"
	EnvColdStart              = "COLD_START"
	EnvScaleDownDelay         = "SCALE_DOWN_DELAY"
	EnvRealtimeLatency        = "REALTIME_LATENCY"
	EnvRealtimeLatencyPerKiB  = "REALTIME_LATENCY_PER_KIB"
	EnvBatchLatency           = "BATCH_LATENCY"
	EnvRealtimePricePerSecond = "REALTIME_PRICE_PER_SECOND"
	EnvBatchPricePerSecond    = "BATCH_PRICE_PER_SECOND"
	EnvMaxQueueDepth          = "MAX_QUEUE_DEPTH"
	EnvMaxRealtimeBytes       = "MAX_REALTIME_BYTES"
)

// The OpenAI front door's variables (docs/openai.md): the app's
// OpenAI-compatible base URL, the micro-batch line format (InferenceAPIs) and
// the Batch API's limits.
const (
	EnvInferenceOpenAIURL   = "INFERENCE_OPENAI_URL"
	EnvInferenceAPI         = "INFERENCE_API"
	EnvBatchAPIMaxFileBytes = "BATCH_API_MAX_FILE_BYTES"
	EnvBatchAPIMaxLines     = "BATCH_API_MAX_LINES"
	EnvBatchAPIPoll         = "BATCH_API_POLL_INTERVAL"
	EnvBatchAPIChunkLines   = "BATCH_API_CHUNK_LINES"
)

// Names is every variable the router reads, in router/README.md's order.
var Names = []string{
	EnvAddr, EnvAPIKey, EnvAPIKeySHA256, EnvKeyVaultURI, EnvSettingsRefresh, EnvAzureClientID,
	EnvQueueEndpoint, EnvBlobEndpoint, EnvConnectionString, EnvStorageEnsure,
	EnvWorkQueue, EnvPoisonQueue, EnvRequestContainer, EnvResultContainer,
	EnvModels, EnvInferenceURL, EnvInferenceOpenAIURL, EnvInferenceAPI, EnvBatchAPIMaxFileBytes, EnvBatchAPIMaxLines, EnvBatchAPIChunkLines, EnvBatchAPIPoll,
	EnvExecutor, EnvLocalBatchCommand,
	EnvBatchAccountEndpoint, EnvBatchPoolID, EnvBatchJobID, EnvInferenceImage, EnvBatchCommand, EnvBatchNodeIdentity,
	EnvMaxBodyBytes, EnvRealtimeTimeout, EnvShutdownTimeout,
	EnvDrainPeriod, EnvBodyReadTimeout, EnvBodyReadMinRate, EnvMaxBodyReads, EnvQueueDepthInterval,
	EnvDispatchBatchSize, EnvDispatchGather, EnvDispatchVisibility, EnvDispatchMaxDequeue, EnvDispatchWorkers,
	EnvFleetSync, EnvMetricsPublic, EnvCORSOrigins, EnvLogLevel,
	EnvRegion, EnvPeers, EnvSpillover, EnvFrontDoorID,
	EnvRealtimeThresholdMs, EnvBatchCostThreshold, EnvMaxACAReplicas, EnvMaxBatchNodes, EnvModelVersion, EnvGPUMemoryLimit,
	EnvReplicaConcurrency, EnvMinReplicas, EnvColdStart, EnvScaleDownDelay, EnvRealtimeLatency, EnvRealtimeLatencyPerKiB, EnvBatchLatency,
	EnvRealtimePricePerSecond, EnvBatchPricePerSecond, EnvMaxQueueDepth, EnvMaxRealtimeBytes,
}

// InferenceAPIs are the values of INFERENCE_API (the stack's inferenceApi):
// the micro-batch line formats the dispatcher writes (dispatch.NewFormat).
var InferenceAPIs = router.Formats

// Executors the router can dispatch batch work to (EXECUTOR).
const (
	ExecutorAzureBatch = "azure-batch"
	ExecutorLocal      = "local"
	// ExecutorNone runs no dispatcher in this process.
	ExecutorNone = "none"
)

// The router's probe paths: the stack's liveness and readiness probes
// (components/router.go) call what the server answers (router/http).
const (
	// PathHealth answers 200 while the process serves.
	PathHealth = "/healthz"
	// PathReady answers 200 only when the router can take traffic: settings
	// read, work queue reachable, not draining.
	PathReady = "/readyz"
)
