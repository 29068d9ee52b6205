package stack_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
	"github.com/gpu-orchestration/gpu-orchestration/components/binding"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

const (
	envType = "azure-native:app/v20250101:ManagedEnvironment"
	appType = "azure-native:app/v20250101:ContainerApp"
)

func inferenceApp(t *testing.T, res *mockstack.Result) mockstack.Resource {
	t.Helper()
	for _, a := range res.OfType(appType) {
		if strings.HasSuffix(a.String("containerAppName"), "-inference") {
			return a
		}
	}
	t.Fatalf("%s: no inference app", res.Stack)
	return mockstack.Resource{}
}

// Every model's app runs on the environment's profile of its GPU, one
// profile per GPU type of the fleet, with the whole replica the profile
// gives (8 vCPU / 56 GiB on T4, 24 vCPU / 220 GiB on A100).
func TestGPUProfilePerGPUTypeAndAppPinnedToIt(t *testing.T) {
	type gpuApp struct {
		profile string
		cpu     float64
		memory  string
	}
	t4 := gpuApp{"Consumption-GPU-NC8as-T4", 8, "56Gi"}
	a100 := gpuApp{"Consumption-GPU-NC24-A100", 24, "220Gi"}
	want := map[string]map[string]gpuApp{
		"dev":  {"ca-gpuorch-dev-inference": t4},
		"prod": {"ca-gpuorch-prod-inference": a100, "ca-gpuorch-prod-small-1": t4},
	}
	for _, name := range stacks {
		res := deploy(t, name)
		env := one(t, res, envType)
		profiles := map[string]string{}
		for _, p := range env.Input("workloadProfiles").ArrayValue() {
			m := p.ObjectValue()
			profiles[m["name"].StringValue()] = m["workloadProfileType"].StringValue()
		}
		// Consumption and one profile per GPU type, nothing unused.
		types := map[string]bool{"Consumption": true}
		for _, a := range want[name] {
			types[a.profile] = true
		}
		if profiles["Consumption"] != "Consumption" || len(profiles) != len(types) {
			t.Errorf("%s: environment profiles %v, want Consumption and one per GPU type", name, profiles)
		}
		got := map[string]gpuApp{}
		for _, app := range res.OfType(appType) {
			pinned := app.String("workloadProfileName")
			if pinned == "Consumption" {
				continue
			}
			res0 := app.Input("template.containers").ArrayValue()[0].ObjectValue()["resources"].ObjectValue()
			got[app.String("containerAppName")] = gpuApp{profiles[pinned], res0["cpu"].NumberValue(), res0["memory"].StringValue()}
		}
		if !reflect.DeepEqual(got, want[name]) {
			t.Errorf("%s: GPU apps %v, want %v (environment profiles %v)", name, got, want[name], profiles)
		}
		if env.String("appLogsConfiguration.destination") != "azure-monitor" || env.Input("appLogsConfiguration.logAnalyticsConfiguration").IsObject() {
			t.Errorf("%s: environment logs must go through Azure Monitor, not a workspace key", name)
		}
	}
}

func TestEnvironmentLogsReachTheWorkspace(t *testing.T) {
	res := deploy(t, "dev")
	ds := one(t, res, "azure-native:insights:DiagnosticSetting")
	ws := one(t, res, "azure-native:operationalinsights:Workspace")
	if !strings.HasSuffix(ds.String("workspaceId"), "/"+ws.String("workspaceName")) {
		t.Errorf("diagnostic setting goes to %q, not the stack's workspace", ds.String("workspaceId"))
	}
	if !strings.Contains(ds.String("resourceUri"), "ManagedEnvironment") {
		t.Errorf("diagnostic setting is on %q, not the environment", ds.String("resourceUri"))
	}
}

func TestInferenceAppInternalScaledToZeroWithProbes(t *testing.T) {
	for name, max := range map[string]float64{"dev": 1, "prod": 8} {
		app := inferenceApp(t, deploy(t, name))
		if ext, set := app.Bool("configuration.ingress.external"); !set || ext {
			t.Errorf("%s: inference ingress external=%v (set %v), want false", name, ext, set)
		}
		if app.Number("template.scale.minReplicas") != 0 || app.Number("template.scale.maxReplicas") != max {
			t.Errorf("%s: scale %v..%v, want 0..%v", name, app.Number("template.scale.minReplicas"), app.Number("template.scale.maxReplicas"), max)
		}
		rules := app.Input("template.scale.rules").ArrayValue()
		if len(rules) != 1 || !rules[0].ObjectValue()["http"].IsObject() {
			t.Errorf("%s: scale rules %v, want one HTTP rule", name, rules)
		}
		c := app.Input("template.containers").ArrayValue()[0].ObjectValue()
		kinds := map[string]bool{}
		for _, p := range c["probes"].ArrayValue() {
			m := p.ObjectValue()
			kinds[m["type"].StringValue()] = true
			get := m["httpGet"].ObjectValue()
			if get["port"].NumberValue() != 8000 || get["path"].StringValue() != "/healthz" {
				t.Errorf("%s: %s probe on %v%v", name, m["type"].StringValue(), get["port"], get["path"])
			}
		}
		if !kinds["Startup"] || !kinds["Liveness"] || !kinds["Readiness"] {
			t.Errorf("%s: probes %v", name, kinds)
		}
		if app.String("identity.type") != "UserAssigned" || len(app.Input("configuration.registries").ArrayValue()) != 1 {
			t.Errorf("%s: app must pull with its user-assigned identity", name)
		}
		reg := app.Input("configuration.registries").ArrayValue()[0].ObjectValue()
		if !strings.Contains(reg["identity"].StringValue(), "UserAssignedIdentity") || reg["passwordSecretRef"].IsString() {
			t.Errorf("%s: registry access %v, want the identity and no password", name, reg)
		}
	}
}

func TestBatchResourcesUseTheBindingAtProviderVersion(t *testing.T) {
	res := deploy(t, "dev")
	for _, typ := range []string{"azure-native:batch:BatchAccount", "azure-native:batch:Pool", "azure-native:managedidentity:UserAssignedIdentity"} {
		all := res.OfType(typ)
		if len(all) == 0 {
			t.Errorf("no %s registered", typ)
		}
		for _, r := range all {
			if r.ProviderVersion != binding.AzureNativeVersion {
				t.Errorf("%s %s registered with version %q", typ, r.Name, r.ProviderVersion)
			}
		}
	}
	acct := one(t, res, "azure-native:batch:BatchAccount")
	if acct.String("poolAllocationMode") != "BatchService" || acct.String("autoStorage.authenticationMode") != "BatchAccountManagedIdentity" {
		t.Errorf("account allocation %q auto-storage auth %q", acct.String("poolAllocationMode"), acct.String("autoStorage.authenticationMode"))
	}
	modes := acct.Input("allowedAuthenticationModes").ArrayValue()
	if len(modes) != 1 || modes[0].StringValue() != "AAD" {
		t.Errorf("authentication modes %v, want only AAD", modes)
	}
}

// One pool per GPU type of the fleet, each on a VM with that GPU; the
// first keeps the single-model stack's gpu-pool.
func TestPoolImageAgentAndContainers(t *testing.T) {
	want := map[string]map[string]string{
		"dev":  {"gpu-pool": "Standard_NC4as_T4_v3"},
		"prod": {"gpu-pool": "Standard_NC24ads_A100_v4", "gpu-pool-t4": "Standard_NC4as_T4_v3"},
	}
	for _, name := range stacks {
		got := map[string]string{}
		for _, pool := range deploy(t, name).OfType("azure-native:batch:Pool") {
			got[pool.String("poolName")] = pool.String("vmSize")
			vmc := "deploymentConfiguration.virtualMachineConfiguration."
			sku, agent := pool.String(vmc+"imageReference.sku"), pool.String(vmc+"nodeAgentSkuId")
			// The agent must be the one for the image's Ubuntu release.
			if sku != "2204" || agent != "batch.node.ubuntu 22.04" || pool.String(vmc+"imageReference.offer") != "ubuntu-hpc" {
				t.Errorf("%s %s: image %s/%s with agent %q", name, pool.Name, pool.String(vmc+"imageReference.offer"), sku, agent)
			}
			if pool.String(vmc+"containerConfiguration.type") != "DockerCompatible" {
				t.Errorf("%s %s: container type %q", name, pool.Name, pool.String(vmc+"containerConfiguration.type"))
			}
			// No pre-pulled image: a digest there would make every rebuild an
			// update Batch refuses (tasks name their image instead).
			if images := pool.Input(vmc + "containerConfiguration.containerImageNames"); !images.IsNull() {
				t.Errorf("%s %s: pre-pulled images %v: deploymentConfiguration would change with every build", name, pool.Name, images)
			}
			if pool.Number("taskSlotsPerNode") != 1 || pool.String("scaleSettings.autoScale.evaluationInterval") != "PT5M" {
				t.Errorf("%s %s: slots %v interval %q", name, pool.Name, pool.Number("taskSlotsPerNode"), pool.String("scaleSettings.autoScale.evaluationInterval"))
			}
		}
		if !reflect.DeepEqual(got, want[name]) {
			t.Errorf("%s: pools %v, want %v", name, got, want[name])
		}
	}
}

// evalPoolFormula runs the deployed formula against an hour of the given
// number of pending tasks and returns the targets it sets.
func evalPoolFormula(t *testing.T, formula string, pending float64) *autoscale.Result {
	t.Helper()
	f, err := autoscale.Parse(formula)
	if err != nil {
		t.Fatalf("deployed formula does not parse: %v\n%s", err, formula)
	}
	var csv strings.Builder
	csv.WriteString("t,$PendingTasks,$ActiveTasks,$RunningTasks\n")
	for s := 0; s <= 3600; s += 30 {
		fmt.Fprintf(&csv, "%d,%v,%v,0\n", s, pending, pending)
	}
	tr, err := autoscale.ReadTrace(strings.NewReader(csv.String()), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Evaluate(tr.Env())
	if err != nil {
		t.Fatalf("deployed formula fails on a steady trace: %v", err)
	}
	return r
}

func TestPoolFormulaTargetsSpotOrDedicatedWithinMaxNodes(t *testing.T) {
	cases := []struct {
		stack string
		pool  string
		set   map[string]string
		spot  bool
		max   int
	}{
		{"dev", "gpu-pool", nil, true, 2},
		{"prod", "gpu-pool", nil, true, 10},
		{"prod", "gpu-pool-t4", nil, true, 4},
		{"dev", "gpu-pool", map[string]string{"batchSpot": "false"}, false, 2},
		// Two models on one GPU share its pool, which holds both their shares.
		{"dev", "gpu-pool", map[string]string{"models": `[{"name":"a","gpuType":"T4","maxBatchNodes":3},{"name":"b","gpuType":"T4","maxBatchNodes":5}]`}, true, 8},
	}
	for _, tc := range cases {
		res, err := deployWith(t, tc.stack, tc.set)
		if err != nil {
			t.Fatal(err)
		}
		var formula string
		for _, p := range res.OfType("azure-native:batch:Pool") {
			if p.String("poolName") == tc.pool {
				formula = p.String("scaleSettings.autoScale.formula")
			}
		}
		for _, pending := range []float64{0, 1, 1000} {
			r := evalPoolFormula(t, formula, pending)
			spot, dedicated := deref(r.TargetLowPriorityNodes), deref(r.TargetDedicatedNodes)
			got, other := dedicated, spot
			if tc.spot {
				got, other = spot, dedicated
			}
			if got > tc.max || other != 0 {
				t.Errorf("%s %s spot=%v pending=%v: spot %d dedicated %d, max %d", tc.stack, tc.pool, tc.spot, pending, spot, dedicated, tc.max)
			}
			if pending == 0 && got != 0 {
				t.Errorf("%s %s: idle pool targets %d nodes, want 0", tc.stack, tc.pool, got)
			}
			if pending == 1000 && got != tc.max {
				t.Errorf("%s %s: a large backlog targets %d nodes, want max %d", tc.stack, tc.pool, got, tc.max)
			}
		}
		if !strings.Contains(formula, "$NodeDeallocationOption = taskcompletion") {
			t.Errorf("%s %s: formula does not let running tasks finish on scale-in:\n%s", tc.stack, tc.pool, formula)
		}
	}
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func TestComputeOutputs(t *testing.T) {
	res := deploy(t, "dev")
	url, _ := res.Outputs["inferenceUrl"].Value.(string)
	if !strings.HasPrefix(url, "https://ca-gpuorch-dev-inference.internal.") {
		t.Errorf("inferenceUrl = %q, want the app's internal FQDN", url)
	}
	if ep, _ := res.Outputs["batchAccountEndpoint"].Value.(string); !strings.HasPrefix(ep, "https://bagpuorchdev") || !strings.HasSuffix(ep, ".batch.azure.com") {
		t.Errorf("batchAccountEndpoint = %q", ep)
	}
	if res.Outputs["batchPoolId"].Value != "gpu-pool" {
		t.Errorf("batchPoolId = %v", res.Outputs["batchPoolId"].Value)
	}
}
