package router

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Key Vault secret names of the routing settings. They are the recipe's names
// and the deployed stack writes them; operators change them to retune routing
// without a deploy.
const (
	SecretRealtimeThresholdMs = "realtime-threshold-ms"
	SecretBatchCostThreshold  = "batch-cost-threshold"
	SecretMaxACAReplicas      = "max-aca-replicas"
	SecretMaxBatchNodes       = "max-batch-nodes"
	SecretModelVersion        = "model-version"
	SecretGPUMemoryLimit      = "gpu-memory-limit"
	// SecretAPIKeyHashes holds comma-separated lowercase hex SHA-256 hashes of
	// the accepted API keys.
	SecretAPIKeyHashes = "router-api-key-sha256"
)

// SettingSecrets lists the secrets that make up Settings, in a stable order.
var SettingSecrets = []string{
	SecretRealtimeThresholdMs, SecretBatchCostThreshold, SecretMaxACAReplicas,
	SecretMaxBatchNodes, SecretModelVersion, SecretGPUMemoryLimit,
}

// Settings are the operator's routing knobs. Every field is a plain number
// with a unit so the simulator can build one from a table of figures.
type Settings struct {
	// RealtimeThreshold (realtime-threshold-ms): in auto mode a request whose
	// deadline is at most this goes realtime without a cost comparison —
	// a caller this impatient is not offered the queue.
	RealtimeThreshold time.Duration
	// BatchCostThreshold (batch-cost-threshold) in USD per request: in auto
	// mode, when running a request realtime would cost more than this above
	// running it in batch (a cold start paid for one request), and batch meets
	// the deadline, the request goes to batch.
	BatchCostThreshold float64
	// MaxACAReplicas (max-aca-replicas) is the inference app's replica limit.
	MaxACAReplicas int
	// MinReplicas is the inference app's minimum replicas (the stack's
	// inferenceMinReplicas): above zero the app is always warm.
	MinReplicas int
	// ReplicaConcurrency is the app's HTTP scale rule concurrentRequests: it
	// adds a replica when in-flight requests exceed replicas × this. A
	// replica serves more at once (continuous batching), each slower; the
	// router treats MaxACAReplicas × ReplicaConcurrency in flight as the
	// realtime capacity.
	ReplicaConcurrency int
	// MaxBatchNodes (max-batch-nodes) is the Batch pool's node limit; it is
	// passed on for the batch estimate and reported, not enforced here.
	MaxBatchNodes int
	// ModelVersion (model-version) is sent to the inference app and recorded
	// with every job.
	ModelVersion string
	// GPUMemoryLimit (gpu-memory-limit) is passed to batch tasks as an
	// environment variable; the router does not interpret it.
	GPUMemoryLimit string

	// ColdStart is the expected time for the inference app to go from zero
	// replicas to its first answer.
	ColdStart time.Duration
	// ScaleDownDelay is how long the inference app keeps a replica after its
	// last request (the Container Apps cool-down period, 300 s by default).
	// Within it the app is warm.
	ScaleDownDelay time.Duration
	// RealtimeLatency is the expected model time of a request with an empty
	// body when the router has not observed any warm answer yet.
	RealtimeLatency time.Duration
	// RealtimePerKiB is the expected extra model time per KiB of request
	// body until the router has learned its own figure from warm answers;
	// zero means size is ignored until then.
	RealtimePerKiB time.Duration
	// BatchLatency is the time a Batch pool with no node takes to start
	// (the autoscale formula's next evaluation, node allocation, dispatch),
	// assumed when the router has no recent batch figure; the run of a
	// micro-batch comes on top (State.RealtimeSlow).
	BatchLatency time.Duration
	// RealtimePricePerSecond is the USD cost of one inference replica-second
	// (GPU, vCPU and memory meters together).
	RealtimePricePerSecond float64
	// BatchPricePerSecond is the USD cost of one Batch node-second (spot).
	BatchPricePerSecond float64
	// MaxQueueDepth is the work-queue depth above which new batch work is shed
	// with 429; zero means no limit.
	MaxQueueDepth int
	// MaxRealtimeBytes is the largest body sent realtime; larger bodies go to
	// batch (auto) or are refused (realtime). Zero means no limit.
	MaxRealtimeBytes int64
}

// DefaultSettings are sane figures for a T4 Container Apps GPU profile and a
// Spot NC4as_T4_v3 pool, and the stack's defaults for the settings it
// exposes (realtimeThresholdMs, batchCostThreshold, coldStartSeconds,
// modelVersion take theirs from here). The prices are internal/azure/pricing's
// (eastus, retail prices API, 2026-10-02), the table the stack sets
// REALTIME_PRICE_PER_SECOND and BATCH_PRICE_PER_SECOND from; a test keeps
// them equal.
//
// BatchCostThreshold 0.002 USD and ColdStart 90 s are what the deployed
// stacks and the simulator's figures have always used; the router's own
// former 0.01 and 60 s only applied to local runs.
func DefaultSettings() Settings {
	return Settings{
		RealtimeThreshold:  2 * time.Second,
		BatchCostThreshold: 0.002,
		MaxACAReplicas:     4,
		ReplicaConcurrency: 10,
		MaxBatchNodes:      4,
		ModelVersion:       "reference-1",
		GPUMemoryLimit:     "",
		// A GPU replica's image pull and model load: tens of seconds to
		// minutes, no official figure (docs/azure-facts.md).
		ColdStart:       90 * time.Second,
		ScaleDownDelay:  300 * time.Second,
		RealtimeLatency: time.Second,
		BatchLatency:    10 * time.Minute,
		// pricing.Default().ReplicaPerSecond("Consumption-GPU-NC8as-T4", 8, 56):
		// T4 GPU $0.000073/s + 8 vCPU × $0.000024/s + 56 GiB × $0.000003/s.
		RealtimePricePerSecond: 0.000433,
		// pricing.Default().NodePerSecond("Standard_NC4as_T4_v3", spot):
		// $0.149 per Spot node-hour.
		BatchPricePerSecond: 0.149 / 3600,
		MaxQueueDepth:       100000,
		MaxRealtimeBytes:    0,
	}
}

// Validate reports the first setting out of range, naming it.
func (s Settings) Validate() error {
	switch {
	case s.RealtimeThreshold < 0:
		return fmt.Errorf("%s must not be negative", SecretRealtimeThresholdMs)
	case s.BatchCostThreshold < 0:
		return fmt.Errorf("%s must not be negative", SecretBatchCostThreshold)
	case s.MaxACAReplicas < 1:
		return fmt.Errorf("%s must be at least 1", SecretMaxACAReplicas)
	case s.ReplicaConcurrency < 1:
		return fmt.Errorf("replica concurrency must be at least 1")
	case s.MinReplicas < 0:
		return fmt.Errorf("minimum replicas must not be negative")
	case s.MaxBatchNodes < 0:
		return fmt.Errorf("%s must not be negative", SecretMaxBatchNodes)
	case s.ColdStart < 0 || s.ScaleDownDelay < 0 || s.RealtimeLatency < 0 || s.RealtimePerKiB < 0 || s.BatchLatency < 0:
		return fmt.Errorf("durations must not be negative")
	case s.RealtimePricePerSecond < 0 || s.BatchPricePerSecond < 0:
		return fmt.Errorf("prices must not be negative")
	case s.MaxQueueDepth < 0 || s.MaxRealtimeBytes < 0:
		return fmt.Errorf("limits must not be negative")
	}
	return nil
}

// RealtimeCapacity is the number of realtime requests the inference app can
// serve at once at its replica limit.
func (s Settings) RealtimeCapacity() int { return s.MaxACAReplicas * s.ReplicaConcurrency }

// ApplySecrets returns s with the values of the named secrets that are
// present in values. It fails, naming the secret, on a value it cannot
// read, and then the caller keeps its last good settings.
func (s Settings) ApplySecrets(values map[string]string) (Settings, error) {
	for name, raw := range values {
		v := strings.TrimSpace(raw)
		var err error
		switch name {
		case SecretRealtimeThresholdMs:
			var ms int64
			ms, err = strconv.ParseInt(v, 10, 64)
			s.RealtimeThreshold = time.Duration(ms) * time.Millisecond
		case SecretBatchCostThreshold:
			s.BatchCostThreshold, err = strconv.ParseFloat(v, 64)
		case SecretMaxACAReplicas:
			s.MaxACAReplicas, err = strconv.Atoi(v)
		case SecretMaxBatchNodes:
			s.MaxBatchNodes, err = strconv.Atoi(v)
		case SecretModelVersion:
			s.ModelVersion = v
		case SecretGPUMemoryLimit:
			s.GPUMemoryLimit = v
		default:
			continue
		}
		if err != nil {
			return s, fmt.Errorf("secret %s: %q is not a number: %w", name, Excerpt(v), err)
		}
	}
	if err := s.Validate(); err != nil {
		return s, err
	}
	return s, nil
}

// ParseKeyHashes reads comma-separated hex SHA-256 hashes (the
// SecretAPIKeyHashes secret, ROUTER_API_KEY_SHA256); blanks are skipped.
func ParseKeyHashes(raw string) ([][sha256.Size]byte, error) {
	var out [][sha256.Size]byte
	for _, f := range strings.Split(raw, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		b, err := hex.DecodeString(f)
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("%q is not a hex SHA-256 hash", f)
		}
		out = append(out, [sha256.Size]byte(b))
	}
	return out, nil
}

// ModelSettingSecrets are the settings a model of a fleet may have its own
// Key Vault secret for (ModelSecret); the others hold for every model.
var ModelSettingSecrets = []string{SecretMaxACAReplicas, SecretMaxBatchNodes, SecretModelVersion, SecretGPUMemoryLimit}

// ModelSecret names a model's own secret for a setting: the setting's name,
// two hyphens, the model's key ("model-version--chat").
func ModelSecret(setting, modelKey string) string { return setting + "--" + modelKey }
