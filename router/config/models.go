package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// EnvModels lists the model deployments the router routes to, as a JSON
// array of Model. Without it, the single-model variables (INFERENCE_URL,
// INFERENCE_OPENAI_URL, INFERENCE_API, INFERENCE_IMAGE, BATCH_COMMAND,
// BATCH_POOL_ID and the routing settings) describe one model, named by
// MODEL_VERSION: a stack of one model needs no MODELS.
const EnvModels = "MODELS"

// Model is one model deployment: the id clients send as "model", where its
// GPU app answers, how the pool runs its batch work, and the settings that
// are its own. Zero numbers take the router's settings (Config.Settings).
type Model struct {
	// Name is the id clients send as "model"; Aliases resolve to it too.
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
	// Key names the model in resource names and its Key Vault secrets
	// (router.ModelSecret): 1 to 24 lowercase letters, digits and hyphens.
	Key string `json:"key"`
	// Fallbacks are models that may answer a request for this one when it
	// cannot meet the request's deadline (cold, saturated), in order, if the
	// request allows it: X-Model-Fallback: allow, or FallbackByDefault.
	Fallbacks         []string `json:"fallbacks,omitempty"`
	FallbackByDefault bool     `json:"fallback_by_default,omitempty"`

	// InferenceURL is the GPU app's realtime endpoint; OpenAIURL its
	// OpenAI-compatible base URL ("" derives it: the origin plus /v1).
	InferenceURL string `json:"inference_url"`
	OpenAIURL    string `json:"openai_url,omitempty"`
	// API is the micro-batch line format of its batch command (Formats).
	API string `json:"api,omitempty"`
	// Image, BatchCommand and PoolID say what the pool runs for its
	// micro-batches and where (azure-batch executor).
	Image        string `json:"image,omitempty"`
	BatchCommand string `json:"batch_command,omitempty"`
	PoolID       string `json:"pool_id,omitempty"`

	// Version (model-version) and GPUMemoryLimit (gpu-memory-limit) are sent
	// to the app and the batch command.
	Version        string `json:"version,omitempty"`
	GPUMemoryLimit string `json:"gpu_memory_limit,omitempty"`
	// The GPU app's scale: replicas, requests per replica before the HTTP
	// rule adds one, cold start and cooldown.
	MinReplicas      int `json:"min_replicas,omitempty"`
	MaxReplicas      int `json:"max_replicas,omitempty"`
	Concurrency      int `json:"concurrency,omitempty"`
	ColdStartSeconds int `json:"cold_start_seconds,omitempty"`
	CooldownSeconds  int `json:"cooldown_seconds,omitempty"`
	// Prices of a replica-second on its GPU profile and a node-second of
	// its pool, and the pool's node limit (max-batch-nodes).
	RealtimePricePerSecond float64 `json:"realtime_price_per_second,omitempty"`
	BatchPricePerSecond    float64 `json:"batch_price_per_second,omitempty"`
	MaxBatchNodes          int     `json:"max_batch_nodes,omitempty"`

	// Revisions split the model's traffic: the first is the stable one, the
	// others (at most two) canaries, each its own GPU app with its own image
	// and version, taking its weight of the requests (sticky per caller) and
	// of the batch work. None: the model is its one revision. Rollback says
	// when a canary worse than stable is taken out of the split at once.
	Revisions []Revision `json:"revisions,omitempty"`
	Rollback  *Rollback  `json:"rollback,omitempty"`
}

// Revision is one version of a model, served by its own GPU app.
type Revision struct {
	// Name names the revision in answers (X-Model-Revision), metrics and
	// logs: 1 to 24 lowercase letters, digits and hyphens.
	Name         string `json:"name"`
	InferenceURL string `json:"inference_url"`
	OpenAIURL    string `json:"openai_url,omitempty"`
	// Image and Version are the revision's (the model's when empty).
	Image   string `json:"image,omitempty"`
	Version string `json:"version,omitempty"`
	// Weight is its share of the model's traffic in percent; the weights of
	// a model's revisions sum to 100.
	Weight int `json:"weight"`
}

// Rollback are a canary's thresholds against stable, over a sliding
// window: it is rolled back (weight 0, on every replica) when, with at
// least MinRequests of its own in the window, its error ratio exceeds
// stable's by more than MaxErrorRatio or its LatencyPercentile answer time
// exceeds stable's by more than MaxLatencyRatio.
type Rollback struct {
	MaxErrorRatio     float64 `json:"max_error_ratio"`
	LatencyPercentile float64 `json:"latency_percentile"`
	MaxLatencyRatio   float64 `json:"max_latency_ratio"`
	MinRequests       int     `json:"min_requests"`
	WindowSeconds     int     `json:"window_seconds"`
}

// MaxRevisions is the most revisions a model splits its traffic between:
// stable and at most two canaries.
const MaxRevisions = 3

// Settings are the routing settings of this model: the router's, with the
// model's own figures where it has them.
func (m Model) Settings(base router.Settings) router.Settings {
	s := base
	set := func(dst *int, v int) {
		if v > 0 {
			*dst = v
		}
	}
	set(&s.MinReplicas, m.MinReplicas)
	set(&s.MaxACAReplicas, m.MaxReplicas)
	set(&s.ReplicaConcurrency, m.Concurrency)
	set(&s.MaxBatchNodes, m.MaxBatchNodes)
	if m.MinReplicas == 0 && m.MaxReplicas > 0 {
		s.MinReplicas = 0 // a listed model scales to zero unless it says otherwise
	}
	if m.ColdStartSeconds > 0 {
		s.ColdStart = time.Duration(m.ColdStartSeconds) * time.Second
	}
	if m.CooldownSeconds > 0 {
		s.ScaleDownDelay = time.Duration(m.CooldownSeconds) * time.Second
	}
	if m.RealtimePricePerSecond > 0 {
		s.RealtimePricePerSecond = m.RealtimePricePerSecond
	}
	if m.BatchPricePerSecond > 0 {
		s.BatchPricePerSecond = m.BatchPricePerSecond
	}
	if m.Version != "" {
		s.ModelVersion = m.Version
	}
	if m.GPUMemoryLimit != "" {
		s.GPUMemoryLimit = m.GPUMemoryLimit
	}
	return s
}

// SingleModelKey is the key of the one model the single-model variables
// describe.
const SingleModelKey = "default"

// SingleModel is the model the single-model variables describe, named by
// the model-version setting; its settings are the router's.
func (c Config) SingleModel() Model {
	return Model{
		Name: c.Settings.ModelVersion, Key: SingleModelKey,
		InferenceURL: c.InferenceURL, OpenAIURL: c.OpenAIURL, API: c.InferenceAPI,
		Image: c.Batch.Image, BatchCommand: c.Batch.Command, PoolID: c.Batch.PoolID,
	}
}

// modelKey is what a Model.Key may be.
var modelKey = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,23}$`)

// loadModels reads MODELS, or makes the one model of the single-model
// variables.
func (c *Config) loadModels(raw string) error {
	if raw == "" {
		c.Models = []Model{c.SingleModel()}
		return nil
	}
	if err := json.Unmarshal([]byte(raw), &c.Models); err != nil {
		return fmt.Errorf("%s: not a JSON array of models: %w", EnvModels, err)
	}
	if len(c.Models) == 0 {
		return fmt.Errorf("%s: an empty list; list at least one model, or leave it unset for the single-model variables", EnvModels)
	}
	for i := range c.Models {
		m := &c.Models[i]
		if m.API == "" {
			m.API = c.InferenceAPI
		}
		if m.BatchCommand == "" {
			m.BatchCommand = c.Batch.Command
		}
	}
	return nil
}

// validateModels names the first model (by its place in MODELS) whose
// entry is unusable.
func (c Config) validateModels() error {
	ids := map[string]string{} // name or alias → model
	for i, m := range c.Models {
		at := EnvModels + "[" + strconv.Itoa(i) + "]"
		if len(c.Models) == 1 && c.Models[0].Key == SingleModelKey {
			at = "the model of " + EnvInferenceURL
		}
		if m.Name == "" {
			return fmt.Errorf("%s.name: empty; name the id clients send as \"model\"", at)
		}
		if !modelKey.MatchString(m.Key) {
			return fmt.Errorf("%s.key=%q: want 1 to 24 lowercase letters, digits and hyphens, starting with a letter or digit", at, m.Key)
		}
		for _, id := range append([]string{m.Name}, m.Aliases...) {
			if other, ok := ids[id]; ok {
				return fmt.Errorf("%s: %q names both %s and %s; names and aliases must be unique", at, id, other, m.Name)
			}
			ids[id] = m.Name
		}
		if u, err := url.Parse(m.InferenceURL); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("%s.inference_url=%q: want an absolute URL", at, m.InferenceURL)
		}
		if m.OpenAIURL != "" {
			if u, err := url.Parse(m.OpenAIURL); err != nil || u.Scheme == "" || u.Host == "" {
				return fmt.Errorf("%s.openai_url=%q: want an absolute URL", at, m.OpenAIURL)
			}
		}
		if !slices.Contains(router.Formats, m.API) {
			return fmt.Errorf("%s.api=%q: want %s or %s", at, m.API, router.FormatReference, router.FormatOpenAI)
		}
		if c.Executor == ExecutorAzureBatch && (m.Image == "" || m.PoolID == "") {
			if m.Key == SingleModelKey {
				return fmt.Errorf("%s=%s needs %s and %s", EnvExecutor, ExecutorAzureBatch, EnvInferenceImage, EnvBatchPoolID)
			}
			return fmt.Errorf("%s: %s=%s needs its image and pool_id", at, EnvExecutor, ExecutorAzureBatch)
		}
		for _, n := range []struct {
			field string
			v     int
		}{{"min_replicas", m.MinReplicas}, {"max_replicas", m.MaxReplicas}, {"concurrency", m.Concurrency},
			{"cold_start_seconds", m.ColdStartSeconds}, {"cooldown_seconds", m.CooldownSeconds}, {"max_batch_nodes", m.MaxBatchNodes}} {
			if n.v < 0 {
				return fmt.Errorf("%s.%s=%d: want 0 (the router's setting) or more", at, n.field, n.v)
			}
		}
		if m.MaxReplicas > 0 && m.MinReplicas > m.MaxReplicas {
			return fmt.Errorf("%s: min_replicas %d above max_replicas %d", at, m.MinReplicas, m.MaxReplicas)
		}
		if err := m.validateRevisions(at); err != nil {
			return err
		}
	}
	for i, m := range c.Models {
		for _, f := range m.Fallbacks {
			target, ok := ids[f]
			switch {
			case !ok:
				return fmt.Errorf("%s[%d].fallbacks: %q is no model of %s", EnvModels, i, f, EnvModels)
			case target == m.Name:
				return fmt.Errorf("%s[%d].fallbacks: %q is the model itself", EnvModels, i, f)
			}
		}
	}
	return nil
}

// validateRevisions names the first unusable revision or threshold.
func (m Model) validateRevisions(at string) error {
	if len(m.Revisions) == 0 {
		if m.Rollback != nil {
			return fmt.Errorf("%s.rollback: the model has no canary revision to roll back", at)
		}
		return nil
	}
	if len(m.Revisions) > MaxRevisions {
		return fmt.Errorf("%s.revisions: %d revisions; at most %d (stable and two canaries)", at, len(m.Revisions), MaxRevisions)
	}
	names, sum := map[string]bool{}, 0
	for i, r := range m.Revisions {
		rat := at + ".revisions[" + strconv.Itoa(i) + "]"
		if !modelKey.MatchString(r.Name) || names[r.Name] {
			return fmt.Errorf("%s.name=%q: want a name of its own, 1 to 24 lowercase letters, digits and hyphens", rat, r.Name)
		}
		names[r.Name] = true
		if u, err := url.Parse(r.InferenceURL); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("%s.inference_url=%q: want an absolute URL", rat, r.InferenceURL)
		}
		if r.Weight < 0 || r.Weight > 100 {
			return fmt.Errorf("%s.weight=%d: want 0 to 100 (percent of the model's traffic)", rat, r.Weight)
		}
		sum += r.Weight
	}
	if sum != 100 {
		return fmt.Errorf("%s.revisions: weights sum to %d; they must sum to 100", at, sum)
	}
	if r := m.Rollback; r != nil {
		switch {
		case r.MaxErrorRatio <= 0 || r.MaxErrorRatio > 1:
			return fmt.Errorf("%s.rollback.max_error_ratio=%g: want above 0, at most 1", at, r.MaxErrorRatio)
		case r.LatencyPercentile <= 0 || r.LatencyPercentile >= 100:
			return fmt.Errorf("%s.rollback.latency_percentile=%g: want above 0, below 100", at, r.LatencyPercentile)
		case r.MaxLatencyRatio < 1:
			return fmt.Errorf("%s.rollback.max_latency_ratio=%g: want 1 or more (the canary's latency over stable's)", at, r.MaxLatencyRatio)
		case r.MinRequests < 1:
			return fmt.Errorf("%s.rollback.min_requests=%d: want 1 or more", at, r.MinRequests)
		case r.WindowSeconds < 10:
			return fmt.Errorf("%s.rollback.window_seconds=%d: want 10 or more", at, r.WindowSeconds)
		}
	}
	return nil
}
