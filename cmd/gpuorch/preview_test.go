package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding"
	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/plan"
)

// preview runs `gpuorch preview` with args and returns exit code, stdout, stderr.
func preview(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := dispatch(append([]string{"preview"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func previewJSON(t *testing.T, stack string) (plan.Document, string) {
	t.Helper()
	code, out, errOut := preview(t, "-stack", stack, "-root", "../..", "-json")
	if code != 0 {
		t.Fatalf("preview %s exited %d: %s", stack, code, errOut)
	}
	var doc plan.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("preview %s printed invalid JSON: %v", stack, err)
	}
	return doc, out
}

func keysOf(raw []byte, t *testing.T) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// The documented schema (docs/preview.md): these keys, no more, no fewer.
func TestPreviewJSONSchema(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		doc, out := previewJSON(t, stack)
		if got, want := keysOf([]byte(out), t), []string{"cost", "outputs", "policy", "project", "resources", "stack"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: top-level keys %v, want %v", stack, got, want)
		}
		var raw struct {
			Resources []json.RawMessage `json:"resources"`
			Cost      json.RawMessage   `json:"cost"`
		}
		if err := json.Unmarshal([]byte(out), &raw); err != nil {
			t.Fatal(err)
		}
		for _, r := range raw.Resources {
			if got, want := keysOf(r, t), []string{"aliases", "custom", "dependencies", "inputs", "name", "parent", "providerVersion", "type", "urn"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: resource keys %v, want %v", stack, got, want)
			}
		}
		wantCost := []string{"assumptions", "budgetUSD", "currency", "example", "fixed", "fixedMonthlyUSD", "hoursPerMonth", "notes", "priceRegion", "prices", "region", "totalMonthlyUSD", "unpriced", "variable"}
		if got := keysOf(raw.Cost, t); !reflect.DeepEqual(got, wantCost) {
			t.Errorf("%s: cost keys %v, want %v", stack, got, wantCost)
		}
		if doc.Stack != stack || doc.Project != "gpu-orchestration" {
			t.Errorf("stack %q project %q", doc.Stack, doc.Project)
		}
		if len(doc.Resources) < 10 {
			t.Fatalf("%s: only %d resources", stack, len(doc.Resources))
		}
		for _, r := range doc.Resources {
			if r.Type == "" || r.Name == "" || r.URN == "" || r.Inputs == nil {
				t.Errorf("%s: incomplete resource %+v", stack, r)
			}
			if r.Custom && strings.HasPrefix(r.Type, "azure-native:") && r.ProviderVersion != binding.AzureNativeVersion {
				t.Errorf("%s: %s providerVersion %q", stack, r.Name, r.ProviderVersion)
			}
		}
		if doc.Outputs["workQueueName"] != "inference-work" {
			t.Errorf("%s: outputs %v", stack, doc.Outputs)
		}
		if doc.Policy == nil {
			t.Errorf("%s: policy is null, want a list", stack)
		}
		for _, p := range doc.Cost.Prices {
			if p.Source == "" || p.AsOf == "" {
				t.Errorf("%s: price %s without source or date", stack, p.ID)
			}
		}
	}
}

// Secret values never appear in clear: not in the JSON, the text, or a diff.
func TestPreviewMasksSecrets(t *testing.T) {
	doc, out := previewJSON(t, "prod")
	masked := 0
	for _, r := range doc.Resources {
		if r.Type != "azure-native:keyvault:Secret" {
			continue
		}
		if v := r.Inputs["properties"].(map[string]any)["value"]; v != plan.Secret {
			t.Errorf("secret %s value shown as %v", r.Name, v)
		}
		masked++
	}
	if masked == 0 {
		t.Fatal("no Key Vault secrets in the plan")
	}
	if doc.Outputs["apiKey"] != plan.Secret {
		t.Errorf("apiKey output shown as %v", doc.Outputs["apiKey"])
	}
	_, text, _ := preview(t, "-stack", "dev", "-root", "../..")
	_, diff, _ := preview(t, "-stack", "dev", "-root", "../..", "-against", "prod")
	for name, s := range map[string]string{"prod JSON": out, "dev text": text, "dev→prod diff": diff} {
		// 1500 is prod's realtime-threshold-ms; the registry password is the mock's.
		if strings.Contains(s, `"1500"`) || strings.Contains(s, "mock-registry-password") {
			t.Errorf("%s: a secret value appears in clear", name)
		}
	}
}

func TestPreviewConfigErrorExitsOne(t *testing.T) {
	dir := t.TempDir()
	writeStackFiles(t, dir, "gpu-orchestration:gpuType: V100\n")
	code, out, errOut := preview(t, "-stack", "bad", "-root", dir, "-json")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut, "gpu-orchestration:gpuType") || out != "" {
		t.Fatalf("stderr %q stdout %q", errOut, out)
	}
}

// A stack tagged prod without purge protection and with the registry's
// admin user on violates two mandatory policies: exit 2, in JSON and text.
func TestPreviewMandatoryViolationExitsTwo(t *testing.T) {
	dir := t.TempDir()
	writeStackFiles(t, dir, "gpu-orchestration:tags: {environment: prod}\n")
	code, out, errOut := preview(t, "-stack", "bad", "-root", dir, "-json")
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr %s", code, errOut)
	}
	var doc plan.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range doc.Policy {
		got[v.Policy] = v.Level
		if v.URN == "" || v.Message == "" {
			t.Errorf("incomplete policy result %+v", v)
		}
	}
	for _, p := range []string{"keyvault-purge-protection-prod", "acr-admin-user-off-prod"} {
		if got[p] != "mandatory" {
			t.Errorf("policy %s: %q, want mandatory (results %v)", p, got[p], got)
		}
	}
	code, text, _ := preview(t, "-stack", "bad", "-root", dir)
	if code != 2 || !strings.Contains(text, "policy: 2 mandatory") || !strings.Contains(text, "keyvault-purge-protection-prod  gpuorch-vault-kv:") {
		t.Errorf("text mode exit %d:\n%s", code, text[strings.Index(text, "policy:"):])
	}
}

// An advisory finding is reported but does not fail; the warm GPU replica it
// warns about shows up as a fixed cost.
func TestPreviewAdvisoryExitsZeroAndWarmReplicaCosts(t *testing.T) {
	dir := t.TempDir()
	writeStackFiles(t, dir, "gpu-orchestration:inferenceMinReplicas: 1\n")
	code, out, errOut := preview(t, "-stack", "bad", "-root", dir, "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc plan.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range doc.Policy {
		found = found || (v.Policy == "gpu-app-scales-to-zero" && v.Level == "advisory")
	}
	if !found {
		t.Errorf("no gpu-app-scales-to-zero advisory in %v", doc.Policy)
	}
	for _, l := range doc.Cost.Fixed {
		if strings.HasPrefix(l.Item, "warm GPU replicas") {
			// One T4 replica all month: 730 h × $1.5588.
			if math.Abs(l.MonthlyUSD-730*1.5588) > 0.01 {
				t.Errorf("warm replica %.2f, want %.2f", l.MonthlyUSD, 730*1.5588)
			}
			return
		}
	}
	t.Errorf("no warm GPU replica line in %+v", doc.Cost.Fixed)
}

// The estimate follows the plan: dev prices a T4 profile and spot T4 nodes,
// prod its two models' A100 and T4 profiles and the nodes of both pools,
// both with the router's replica.
func TestPreviewCostReadsThePlan(t *testing.T) {
	t4 := map[string]float64{"serverless T4": 1.5588, "spot T4": 0.149, "dedicated T4": 0.526}
	for stack, want := range map[string]struct {
		rates        map[string]float64
		logRetention bool
	}{
		"dev":  {t4, false},
		"prod": {map[string]float64{"serverless A100": 6.354, "spot A100": 0.679, "dedicated A100": 3.673, "serverless T4": 1.5588, "spot T4": 0.149, "dedicated T4": 0.526}, true},
	} {
		doc, _ := previewJSON(t, stack)
		rates := map[string]float64{}
		for _, r := range doc.Cost.Variable {
			rates[r.Tier+" "+strings.ToUpper(r.GPU)] = r.PerGPUHourUSD
		}
		if len(rates) != len(want.rates) {
			t.Errorf("%s: rates %v, want %v", stack, rates, want.rates)
		}
		for tier, w := range want.rates {
			if math.Abs(rates[tier]-w) > 0.0001 {
				t.Errorf("%s: %s $%.4f/GPU-hour, want $%.4f", stack, tier, rates[tier], w)
			}
		}
		items := map[string]float64{}
		for _, l := range doc.Cost.Fixed {
			items[l.Item] = l.MonthlyUSD
		}
		// Router: 0.5 vCPU and 1 GiB for 2,628,000 s.
		if math.Abs(items["always-on replicas"]-39.42) > 0.01 {
			t.Errorf("%s: router %.2f, want 39.42 (fixed %v)", stack, items["always-on replicas"], items)
		}
		if _, ok := items["Log Analytics retention"]; ok != want.logRetention {
			t.Errorf("%s: retention line present %v, want %v", stack, ok, want.logRetention)
		}
		// An environment in the stack's own network adds a load balancer and
		// public IPs the table does not price; nothing else is unpriced.
		wantUnpriced := 0
		if stack == "prod" {
			wantUnpriced = 1
		}
		if len(doc.Cost.Unpriced) != wantUnpriced {
			t.Errorf("%s: unpriced %v", stack, doc.Cost.Unpriced)
		}
		if math.Abs(doc.Cost.TotalMonthlyUSD-doc.Cost.FixedMonthlyUSD-doc.Cost.Example.MonthlyUSD) > 1e-9 {
			t.Errorf("%s: total is not fixed + example", stack)
		}
	}
}

func TestPreviewTextShowsTreePolicyAndCost(t *testing.T) {
	code, out, errOut := preview(t, "-stack", "dev", "-root", "../..")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"batch:Pool  gpuorch-batch-pool  vmSize=Standard_NC4as_T4_v3",
		"profile=gpu-t4 ingressExternal=false port=8000 scale=0..1 model=8cpu/56Gi",
		"keyvault:Secret  gpuorch-vault-realtime-threshold-ms  value=[secret]",
		"policy: 0 mandatory, 12 advisory",
		"network-public-access-off  gpuorch-vault-kv:",
		"network: 0 virtual network(s), 0 private endpoint(s)",
		"serverless T4  gpuorch-inference-app  $1.5588/GPU-hour",
		"fixed + example: $",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
}

func TestPreviewAgainstProd(t *testing.T) {
	code, out, errOut := preview(t, "-stack", "dev", "-root", "../..", "-against", "prod")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		`vmSize: "Standard_NC4as_T4_v3" → "Standard_NC24ads_A100_v4"`,
		`template.containers[model].resources.cpu: 8 → 24`,
		`properties.enablePurgeProtection: (absent) → true`,
		`location: "westus3" → "swedencentral"`,
		// Network isolation at a glance: what each stack leaves public.
		"network dev: 0 virtual network(s), 0 private endpoint(s), 0 private DNS zone(s); public network access on: batch, key vault, registry, storage; pool: public IPs",
		"network prod: 1 virtual network(s), 6 private endpoint(s), 5 private DNS zone(s); public network access off: batch, key vault, registry, storage; pool: no public IPs",
		"+ network:PrivateEndpoint  gpuorch-batch-pe-nodeManagement  (only in prod)",
		`sku.name: "Standard" → "Premium"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
	// Names that only carry the stack are not differences.
	if strings.Contains(out, `"rg-gpuorch-dev" → "rg-gpuorch-prod"`) {
		t.Error("diff lists a stack-derived name")
	}
	code, out, _ = preview(t, "-stack", "dev", "-root", "../..", "-against", "prod", "-json")
	var cmp plan.Comparison
	if err := json.Unmarshal([]byte(out), &cmp); code != 0 || err != nil || cmp.From != "dev" || cmp.To != "prod" || len(cmp.Changes) == 0 {
		t.Errorf("JSON diff exit %d err %v: %+v", code, err, cmp)
	}
	if dev, prod := cmp.Exposure[0], cmp.Exposure[1]; dev.PrivateEndpoints != 0 || prod.PrivateEndpoints != 6 || prod.PrivateDNSZones != 5 ||
		prod.PublicAccess["storage/gpuorch-storage-st"] != "Disabled" || dev.PublicAccess["storage/gpuorch-storage-st"] != "Enabled" {
		t.Errorf("JSON exposure dev %+v prod %+v", dev, prod)
	}
	if code, _, _ := preview(t, "-stack", "dev", "-root", "../..", "-against", "nosuchstack"); code != 1 {
		t.Errorf("missing stack file: exit %d, want 1", code)
	}
}

// The example in docs/preview.md is the tool's output for dev.
func TestPreviewDocMatchesOutput(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("..", "..", "docs", "preview.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, out, _ := preview(t, "-stack", "dev", "-root", "../..")
	start := strings.Index(out, "cost estimate")
	if start < 0 || !strings.Contains(string(md), out[start:]) {
		t.Error("docs/preview.md's cost example differs from `gpuorch preview -stack dev`; paste the new output")
	}
}
