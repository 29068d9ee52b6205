package stack_test

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

func routerApp(t *testing.T, res *mockstack.Result) mockstack.Resource {
	t.Helper()
	for _, a := range res.OfType(appType) {
		if strings.HasSuffix(a.String("containerAppName"), "-router") {
			return a
		}
	}
	t.Fatalf("%s: no router app", res.Stack)
	return mockstack.Resource{}
}

// scopeName reduces a scope to "<type>/<name>" of the resource it names.
func scopeName(scope string) string {
	parts := strings.Split(scope, "/providers/")
	last := parts[len(parts)-1]
	if i := strings.LastIndex(last, ":"); i >= 0 {
		last = last[i+1:]
	}
	return last
}

// principalOf maps a principal id back to the identity's name.
func principals(res *mockstack.Result) map[string]string {
	out := map[string]string{}
	for _, id := range res.OfType("azure-native:managedidentity:UserAssignedIdentity") {
		name := id.String("resourceName")
		out[mockstack.PrincipalID(name)] = strings.TrimPrefix(name, "id-gpuorch-"+res.Stack+"-")
	}
	return out
}

func TestRoleAssignmentsAreTheLeastPrivilegeSet(t *testing.T) {
	for _, name := range stacks {
		res := deploy(t, name)
		who := principals(res)
		var got []string
		for _, ra := range res.OfType("azure-native:authorization:RoleAssignment") {
			roleID := ra.String("roleDefinitionId")
			role := components.RoleNames[roleID[strings.LastIndex(roleID, "/")+1:]]
			got = append(got, who[ra.String("principalId")]+" | "+role+" | "+scopeName(ra.String("scope")))
			if ra.String("principalType") != "ServicePrincipal" {
				t.Errorf("%s: %s principal type %q", name, ra.Name, ra.String("principalType"))
			}
			if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(ra.String("roleAssignmentName")) {
				t.Errorf("%s: %s name %q is not a deterministic GUID", name, ra.Name, ra.String("roleAssignmentName"))
			}
		}
		sort.Strings(got)
		var want []string
		if name == "dev" {
			// Auto-storage: the Batch account's identity on the account,
			// linked only without network isolation (prod has it on).
			want = append(want, "batch | Storage Blob Data Contributor | StorageAccount/stgpuorch"+name)
		}
		want = append(want,
			"inference | AcrPull | Registry/crgpuorch"+name,
			"pool | AcrPull | Registry/crgpuorch"+name,
			"pool | Storage Blob Data Contributor | BlobContainer/requests",
			"pool | Storage Blob Data Contributor | BlobContainer/results",
			"router | AcrPull | Registry/crgpuorch"+name,
			"router | Azure Batch Job Submitter | BatchAccount/bagpuorch"+name,
			"router | Key Vault Secrets User | Vault/kv-gpuorch-"+name,
			"router | Storage Blob Data Contributor | BlobContainer/requests",
			"router | Storage Blob Data Contributor | BlobContainer/results",
			"router | Storage Queue Data Contributor | Queue/inference-poison",
			"router | Storage Queue Data Contributor | Queue/inference-work",
		)
		if name == "prod" {
			// The second model's identity pulls its image, and nothing else.
			want = append(want, "small-1 | AcrPull | Registry/crgpuorch"+name)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d role assignments, want %d:\n%s", name, len(got), len(want), strings.Join(got, "\n"))
		}
		for i := range want {
			// Global names end in a hash; compare their stable prefix.
			if !strings.HasPrefix(got[i], want[i]) {
				t.Errorf("%s: role assignment %d = %q, want %q", name, i, got[i], want[i])
			}
		}
	}
}

func TestNoPrivilegedRolesAnywhere(t *testing.T) {
	privileged := map[string]string{
		"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
		"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
		"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
	}
	for _, name := range stacks {
		for _, ra := range deploy(t, name).OfType("azure-native:authorization:RoleAssignment") {
			for id, role := range privileged {
				if strings.HasSuffix(ra.String("roleDefinitionId"), id) {
					t.Errorf("%s: %s grants %s", name, ra.Name, role)
				}
			}
		}
	}
}

func TestRouterIsHTTPSOnlyAndInferenceInternal(t *testing.T) {
	for _, name := range stacks {
		res := deploy(t, name)
		r := routerApp(t, res)
		ext, _ := r.Bool("configuration.ingress.external")
		insecure, set := r.Bool("configuration.ingress.allowInsecure")
		if !ext || !set || insecure {
			t.Errorf("%s: router ingress external=%v allowInsecure=%v (set %v), want external HTTPS only", name, ext, insecure, set)
		}
		if r.String("workloadProfileName") != "Consumption" || r.Number("template.scale.minReplicas") != 1 {
			t.Errorf("%s: router profile %q min replicas %v", name, r.String("workloadProfileName"), r.Number("template.scale.minReplicas"))
		}
		paths := map[string]bool{}
		for _, p := range r.Input("template.containers").ArrayValue()[0].ObjectValue()["probes"].ArrayValue() {
			paths[p.ObjectValue()["httpGet"].ObjectValue()["path"].StringValue()] = true
		}
		if !paths["/healthz"] || !paths["/readyz"] {
			t.Errorf("%s: router probes %v", name, paths)
		}
		if ext, _ := inferenceApp(t, res).Bool("configuration.ingress.external"); ext {
			t.Errorf("%s: inference ingress is external", name)
		}
	}
}

// Names and values that carry credentials; KEY_VAULT_URI names a vault, not a key.
var (
	secretName  = regexp.MustCompile(`(?i)(^|_)(api_?key|account_?key|access_?key|primary_?key|key|secret|password|passwd|token|connection_?string|conn_?str|sas)($|_)`)
	secretValue = regexp.MustCompile(`(?i)AccountKey=|SharedAccessSignature|[?&]sig=|-----BEGIN|DefaultEndpointsProtocol`)
)

func TestNoContainerAppEnvLooksLikeACredential(t *testing.T) {
	for _, name := range stacks {
		res := deploy(t, name)
		checked := 0
		for _, a := range res.OfType(appType) {
			for _, c := range a.Input("template.containers").ArrayValue() {
				for _, e := range c.ObjectValue()["env"].ArrayValue() {
					m := e.ObjectValue()
					n := m["name"].StringValue()
					v := mockstack.Unwrap(m["value"])
					checked++
					if m["secretRef"].IsString() {
						t.Errorf("%s: %s env %s comes from an app secret", name, a.Name, n)
					}
					if (secretName.MatchString(n) && !strings.HasPrefix(n, "KEY_VAULT_")) || (v.IsString() && secretValue.MatchString(v.StringValue())) {
						t.Errorf("%s: %s env %s=%v looks like a credential", name, a.Name, n, v)
					}
				}
			}
		}
		if checked < 15 {
			t.Errorf("%s: only %d environment variables checked", name, checked)
		}
	}
}

func TestRouterEnvironmentNamesItsDependencies(t *testing.T) {
	res := deploy(t, "dev")
	env := map[string]string{}
	for _, e := range routerApp(t, res).Input("template.containers").ArrayValue()[0].ObjectValue()["env"].ArrayValue() {
		m := e.ObjectValue()
		env[m["name"].StringValue()] = mockstack.Unwrap(m["value"]).StringValue()
	}
	want := map[string]string{
		"WORK_QUEUE": "inference-work", "POISON_QUEUE": "inference-poison",
		"REQUEST_CONTAINER": "requests", "RESULT_CONTAINER": "results",
		"EXECUTOR": "azure-batch", "BATCH_JOB_ID": "gpuorch-inference",
		"ROUTER_ADDR": "0.0.0.0:8080",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	for k, prefix := range map[string]string{
		"KEY_VAULT_URI": "https://kv-gpuorch-dev-", "STORAGE_QUEUE_ENDPOINT": "https://stgpuorchdev",
		"STORAGE_BLOB_ENDPOINT": "https://stgpuorchdev", "BATCH_ACCOUNT_ENDPOINT": "https://bagpuorchdev",
	} {
		if !strings.HasPrefix(env[k], prefix) {
			t.Errorf("%s = %q, want prefix %q", k, env[k], prefix)
		}
	}
	// T4 replica (0.000073 + 8 × 0.000024 + 56 × 0.000003) and NC4as_T4_v3 Spot (0.149/h).
	if env["REALTIME_PRICE_PER_SECOND"] != "0.000433" || env["BATCH_PRICE_PER_SECOND"] != "4.13889e-05" {
		t.Errorf("router prices %q %q, want the T4 replica and Spot node prices", env["REALTIME_PRICE_PER_SECOND"], env["BATCH_PRICE_PER_SECOND"])
	}
	var models []routerconfig.Model
	if err := json.Unmarshal([]byte(env[routerconfig.EnvModels]), &models); err != nil || len(models) != 1 {
		t.Fatalf("MODELS %q: %v, want one model", env[routerconfig.EnvModels], err)
	}
	m := models[0]
	if !strings.HasPrefix(m.InferenceURL, "https://ca-gpuorch-dev-inference.internal.") || !strings.HasSuffix(m.InferenceURL, "/infer") {
		t.Errorf("MODELS[0].inference_url %q, want the app's internal address and the inference path", m.InferenceURL)
	}
	if !strings.HasPrefix(m.Image, "crgpuorchdev") || m.PoolID != "gpu-pool" || m.Name != "reference-1" {
		t.Errorf("MODELS[0] %+v, want reference-1 on the built image and gpu-pool", m)
	}
	if m.RealtimePricePerSecond != 0.000433 || m.BatchPricePerSecond != 4.13889e-05 {
		t.Errorf("MODELS[0] prices %v %v, want the router's", m.RealtimePricePerSecond, m.BatchPricePerSecond)
	}
	if env["AZURE_CLIENT_ID"] != mockstack.ClientID("id-gpuorch-dev-router") {
		t.Errorf("AZURE_CLIENT_ID %q is not the router identity's client id", env["AZURE_CLIENT_ID"])
	}
}
