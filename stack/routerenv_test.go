package stack_test

import (
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// deployedRouter is what a stack hands the router: its app's environment and
// the Key Vault secrets it reads at start.
type deployedRouter struct {
	env     map[string]string
	secrets map[string]string
}

func routerInputs(t *testing.T, res *mockstack.Result) deployedRouter {
	t.Helper()
	d := deployedRouter{env: map[string]string{}, secrets: map[string]string{}}
	for _, e := range routerApp(t, res).Input("template.containers").ArrayValue()[0].ObjectValue()["env"].ArrayValue() {
		m := e.ObjectValue()
		d.env[m["name"].StringValue()] = mockstack.Unwrap(m["value"]).StringValue()
	}
	for _, s := range res.OfType("azure-native:keyvault:Secret") {
		d.secrets[s.String("secretName")] = s.String("properties.value")
	}
	return d
}

// load runs the router's own loader on the deployed environment without the
// named variables, then applies the vault's secrets without the named ones,
// as the router does at start.
func (d deployedRouter) load(t *testing.T, withoutEnv, withoutSecret string) routerconfig.Config {
	t.Helper()
	c, err := routerconfig.Load(func(k string) string {
		if k == withoutEnv {
			return ""
		}
		return d.env[k]
	})
	if err != nil {
		t.Fatalf("the router refuses the stack's environment: %v", err)
	}
	secrets := map[string]string{}
	for k, v := range d.secrets {
		if k != withoutSecret {
			secrets[k] = v
		}
	}
	if c.Settings, err = c.Settings.ApplySecrets(secrets); err != nil {
		t.Fatalf("the router refuses the stack's Key Vault settings: %v", err)
	}
	return c
}

// The router starts on what each stack deploys: every variable the stack sets
// is one the router reads, its loader accepts the values (including what
// EXECUTOR=azure-batch requires), and the stack's own choices arrive.
func TestRouterLoadsEachStacksEnvironment(t *testing.T) {
	known := map[string]bool{}
	for _, n := range routerconfig.Names {
		known[n] = true
	}
	for _, name := range stacks {
		res := deploy(t, name)
		d := routerInputs(t, res)
		for k := range d.env {
			if !known[k] {
				t.Errorf("%s: the stack sets %s, which the router does not read", name, k)
			}
		}
		c := d.load(t, "", "")
		if c.Executor != routerconfig.ExecutorAzureBatch || len(c.KeyHashes) != 0 || c.KeyVaultURI == "" {
			t.Errorf("%s: executor %q, %d keys from the environment, vault %q; want azure-batch with keys only from Key Vault",
				name, c.Executor, len(c.KeyHashes), c.KeyVaultURI)
		}
		if name == "prod" && (c.Settings.RealtimeThreshold != 1500*time.Millisecond || c.Settings.ColdStart != 120*time.Second) {
			t.Errorf("prod: realtime threshold %s, cold start %s; want Pulumi.prod.yaml's 1500ms and 120s",
				c.Settings.RealtimeThreshold, c.Settings.ColdStart)
		}
	}
}

// fromTheStack are the variables and secrets the stack may set to other
// values than the router's defaults, because they describe the resources it
// deployed; every other one it sets must say what the router would assume
// anyway, so a setting has one default, not one per side.
var fromTheStack = map[string]string{
	routerconfig.EnvAddr:                   "the container listens on all interfaces",
	routerconfig.EnvKeyVaultURI:            "the stack's vault",
	routerconfig.EnvQueueEndpoint:          "the stack's storage account",
	routerconfig.EnvBlobEndpoint:           "the stack's storage account",
	routerconfig.EnvModels:                 "the models: their apps' addresses, images and pools",
	routerconfig.EnvBatchAccountEndpoint:   "the stack's Batch account",
	routerconfig.EnvBatchNodeIdentity:      "the pool's identity",
	routerconfig.EnvAzureClientID:          "the router's identity (read by azidentity)",
	routerconfig.EnvReplicaConcurrency:     "the default model's concurrentRequests",
	routerconfig.EnvMinReplicas:            "the default model's min replicas",
	routerconfig.EnvScaleDownDelay:         "the default model's cool-down period",
	routerconfig.EnvRealtimePricePerSecond: "the price of the default model's GPU profile",
	routerconfig.EnvBatchPricePerSecond:    "the price of the default model's pool nodes",
	router.SecretMaxACAReplicas:            "the default model's max replicas",
	router.SecretMaxBatchNodes:             "the default model's share of its pool",
	router.SecretGPUMemoryLimit:            "the default model's GPU memory",
	router.SecretAPIKeyHashes:              "the key the stack generated",
}

// A stack that leaves the routing keys at their defaults (dev sets none of
// them) runs the router as it runs without those variables: each variable and
// secret the stack sets, outside fromTheStack, is removed in turn and the
// router's loaded configuration must not change. This fails when the stack
// and the router give one setting two defaults, as MAX_BODY_BYTES (4 MiB in
// the stack, 10 MiB in the router) and BATCH_JOB_ID (gpuorch-inference and
// router-jobs) once did.
func TestDevStackRestatesNoRouterDefaultDifferently(t *testing.T) {
	d := routerInputs(t, deploy(t, "dev"))
	all := d.load(t, "", "")
	var differ []string
	for k, v := range d.env {
		if _, ok := fromTheStack[k]; ok {
			continue
		}
		if !reflect.DeepEqual(d.load(t, k, ""), all) {
			differ = append(differ, k+"="+v)
		}
	}
	for k, v := range d.secrets {
		if _, ok := fromTheStack[k]; ok {
			continue
		}
		if !reflect.DeepEqual(d.load(t, "", k), all) {
			differ = append(differ, "secret "+k+"="+v)
		}
	}
	if len(differ) > 0 {
		sort.Strings(differ)
		t.Errorf("the dev stack sets these to other values than the router's defaults (router/config Default):\n  %s",
			strings.Join(differ, "\n  "))
	}
}

// inferenceApi reaches the router as the model's micro-batch format: with
// openai its dispatcher writes OpenAI batch lines and its Batch API is on.
func TestInferenceAPIReachesTheRouter(t *testing.T) {
	res, err := deployWith(t, "dev", map[string]string{"gpu-orchestration:inferenceApi": "openai"})
	if err != nil {
		t.Fatal(err)
	}
	if c := routerInputs(t, res).load(t, "", ""); c.Models[0].API != "openai" {
		t.Fatalf("the router's model %+v; want api openai", c.Models[0])
	}
	if _, err := deployWith(t, "dev", map[string]string{"gpu-orchestration:inferenceApi": "tgi"}); err == nil || !strings.Contains(err.Error(), "inferenceApi") {
		t.Fatalf("inferenceApi tgi: %v; want an error naming the key", err)
	}
}

// A two-model stack's MODELS loads through the router's own loader and names
// both models: their aliases and fallbacks, their apps' internal addresses
// on their paths, the images their Batch tasks run, the pools of their GPU
// types, their prices and settings. The default model's Key Vault-backed
// settings come from the recipe's secrets; the other model's own secrets
// (router.ModelSecret) hold its values.
func TestRouterLoadsTheFleet(t *testing.T) {
	d := routerInputs(t, deploy(t, "prod"))
	c := d.load(t, "", "")
	if len(c.Models) != 2 {
		t.Fatalf("the router loads %d models from MODELS, want chat-1 and small-1", len(c.Models))
	}
	chat, small := c.Models[0], c.Models[1]
	if chat.Name != "chat-1" || !reflect.DeepEqual(chat.Aliases, []string{"chat"}) || !reflect.DeepEqual(chat.Fallbacks, []string{"small-1"}) ||
		small.Name != "small-1" || !reflect.DeepEqual(small.Aliases, []string{"small"}) {
		t.Errorf("models %s %v → %v, %s %v; want chat-1 (alias chat, falls back to small-1) and small-1 (alias small)",
			chat.Name, chat.Aliases, chat.Fallbacks, small.Name, small.Aliases)
	}
	for _, m := range []struct {
		got        routerconfig.Model
		app, pool  string
		realtime   float64
		batchPrice float64
	}{
		// A100 replica 0.000529 + 24 × 0.000024 + 220 × 0.000003; NC24ads_A100_v4 Spot $0.679/h.
		{chat, "ca-gpuorch-prod-inference", "gpu-pool", 0.001765, 0.679 / 3600},
		// T4 replica 0.000073 + 8 × 0.000024 + 56 × 0.000003; NC4as_T4_v3 Spot $0.149/h.
		{small, "ca-gpuorch-prod-small-1", "gpu-pool-t4", 0.000433, 0.149 / 3600},
	} {
		if !strings.HasPrefix(m.got.InferenceURL, "https://"+m.app+".internal.") || !strings.HasSuffix(m.got.InferenceURL, "/infer") {
			t.Errorf("%s: inference_url %q, want %s's internal address", m.got.Name, m.got.InferenceURL, m.app)
		}
		if m.got.PoolID != m.pool || !strings.Contains(m.got.Image, "/refmodel@sha256:") || m.got.Key == "" {
			t.Errorf("%s: pool %q image %q key %q, want %s and the built reference model", m.got.Name, m.got.PoolID, m.got.Image, m.got.Key, m.pool)
		}
		if math.Abs(m.got.RealtimePricePerSecond-m.realtime) > 1e-9 || math.Abs(m.got.BatchPricePerSecond-m.batchPrice) > 1e-9 {
			t.Errorf("%s: prices %v %v, want %v %v", m.got.Name, m.got.RealtimePricePerSecond, m.got.BatchPricePerSecond, m.realtime, m.batchPrice)
		}
	}

	chatSettings := chat.Settings(c.Settings)
	if chatSettings.MaxACAReplicas != 8 || chatSettings.MaxBatchNodes != 10 || chatSettings.ModelVersion != "chat-1" ||
		chatSettings.GPUMemoryLimit != "80Gi" || chatSettings.ColdStart != 120*time.Second {
		t.Errorf("chat-1 settings %+v: want 8 replicas, 10 nodes, version chat-1, 80Gi, 120s cold start", chatSettings)
	}
	// The recipe's secrets tune the default model: MODELS leaves them to it.
	retuned, err := c.Settings.ApplySecrets(map[string]string{router.SecretMaxACAReplicas: "3"})
	if err != nil {
		t.Fatal(err)
	}
	if got := chat.Settings(retuned).MaxACAReplicas; got != 3 {
		t.Errorf("max-aca-replicas set to 3 in Key Vault gives chat-1 %d replicas; MODELS must leave the default model's to the secret", got)
	}

	smallSettings := small.Settings(c.Settings)
	if smallSettings.MaxACAReplicas != 4 || smallSettings.MaxBatchNodes != 4 || smallSettings.ModelVersion != "small-1" ||
		smallSettings.GPUMemoryLimit != "16Gi" || smallSettings.ColdStart != time.Minute || smallSettings.MinReplicas != 0 {
		t.Errorf("small-1 settings %+v: want 4 replicas, 4 nodes, version small-1, 16Gi, 60s cold start, scale to zero", smallSettings)
	}
	own := map[string]string{
		router.SecretMaxACAReplicas: "4", router.SecretMaxBatchNodes: "4",
		router.SecretModelVersion: "small-1", router.SecretGPUMemoryLimit: "16Gi",
	}
	for _, setting := range router.ModelSettingSecrets {
		name := router.ModelSecret(setting, small.Key)
		if got := d.secrets[name]; got != own[setting] {
			t.Errorf("secret %s = %q, want %q (small-1's own %s)", name, got, own[setting], setting)
		}
	}
}

// corsAllowedOrigins reaches the router's CORS; none by default, and a
// value that is not an origin is refused at preview, naming the key.
func TestCORSOriginsReachTheRouter(t *testing.T) {
	res, err := deployWith(t, "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := routerInputs(t, res).load(t, "", ""); len(c.AllowedOrigins) != 0 {
		t.Fatalf("router CORS origins %v by default; want none", c.AllowedOrigins)
	}
	res, err = deployWith(t, "dev", map[string]string{"gpu-orchestration:corsAllowedOrigins": `["https://app.example.com","http://localhost:5173"]`})
	if err != nil {
		t.Fatal(err)
	}
	if c := routerInputs(t, res).load(t, "", ""); !reflect.DeepEqual(c.AllowedOrigins, []string{"https://app.example.com", "http://localhost:5173"}) {
		t.Fatalf("router CORS origins %v; want the stack's two", c.AllowedOrigins)
	}
	_, err = deployWith(t, "dev", map[string]string{"gpu-orchestration:corsAllowedOrigins": `["https://app.example.com/"]`})
	if err == nil || !strings.Contains(err.Error(), "corsAllowedOrigins") || !strings.Contains(err.Error(), "https://app.example.com/") {
		t.Fatalf("an origin with a path: %v; want an error naming the key and the value", err)
	}
}
