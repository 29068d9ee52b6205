package stack_test

import (
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
	routerconfig.EnvInferenceURL:           "the inference app's internal address",
	routerconfig.EnvBatchAccountEndpoint:   "the stack's Batch account",
	routerconfig.EnvBatchPoolID:            "the stack's pool",
	routerconfig.EnvBatchNodeIdentity:      "the pool's identity",
	routerconfig.EnvInferenceImage:         "the image the stack built",
	routerconfig.EnvAzureClientID:          "the router's identity (read by azidentity)",
	routerconfig.EnvReplicaConcurrency:     "the inference app's concurrentRequests",
	routerconfig.EnvMinReplicas:            "the inference app's min replicas",
	routerconfig.EnvScaleDownDelay:         "the inference app's cool-down period",
	routerconfig.EnvRealtimePricePerSecond: "the price of the stack's GPU profile",
	routerconfig.EnvBatchPricePerSecond:    "the price of the stack's pool nodes",
	router.SecretMaxACAReplicas:            "the inference app's max replicas",
	router.SecretMaxBatchNodes:             "the pool's autoscale bound",
	router.SecretGPUMemoryLimit:            "the stack's GPU memory",
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

// inferenceApi reaches the router: with openai its dispatcher writes OpenAI
// batch lines and its Batch API is on.
func TestInferenceAPIReachesTheRouter(t *testing.T) {
	res, err := deployWith(t, "dev", map[string]string{"gpu-orchestration:inferenceApi": "openai"})
	if err != nil {
		t.Fatal(err)
	}
	if c := routerInputs(t, res).load(t, "", ""); c.InferenceAPI != "openai" {
		t.Fatalf("router INFERENCE_API %q; want openai", c.InferenceAPI)
	}
	if _, err := deployWith(t, "dev", map[string]string{"gpu-orchestration:inferenceApi": "tgi"}); err == nil || !strings.Contains(err.Error(), "inferenceApi") {
		t.Fatalf("inferenceApi tgi: %v; want an error naming the key", err)
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
