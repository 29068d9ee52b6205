package stack_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/plan"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// regionsOfGlobal are the regional stacks Pulumi.global.yaml names, each
// run from prod's stack file in its region: prod as it is (swedencentral),
// and prod-westus3 as the README makes it.
var regionsOfGlobal = map[string]map[string]string{
	"prod":         nil,
	"prod-westus3": {"location": "westus3"},
}

// mockedRegions runs the regional stacks under mocks; the global stack's
// StackReferences read their outputs.
func mockedRegions(t *testing.T) map[string]*mockstack.Result {
	t.Helper()
	out := map[string]*mockstack.Result{}
	for name, set := range regionsOfGlobal {
		out[name] = deployFileAs(t, "prod", name, set)
	}
	return out
}

// runGlobal runs Pulumi.global.yaml, with overrides, before the regions.
func runGlobal(t *testing.T, regions map[string]*mockstack.Result, set map[string]string) (*mockstack.Result, error) {
	t.Helper()
	cfg, err := mockstack.LoadStackConfig("..", "global")
	if err != nil {
		t.Fatal(err)
	}
	var opts []mockstack.Option
	for name, res := range regions {
		opts = append(opts, mockstack.WithStackOutputs(name, res.Outputs))
	}
	return mockstack.RunConfig(cfg.With(set), stack.Program, opts...)
}

func typeCounts(res *mockstack.Result) map[string]int {
	out := map[string]int{}
	for _, r := range res.Resources {
		out[r.Type]++
	}
	return out
}

// The global stack's plan: one front door (profile, endpoint, one origin
// group, an origin per regional stack, a route, the firewall and its
// security policy), what watches it, the deployment's key, and nothing of
// a region's platform. Each origin is its region's router, probed on
// /readyz over HTTPS; the route forwards HTTPS only and caches nothing.
func TestGlobalStackPutsOneFrontDoorBeforeTheRegions(t *testing.T) {
	regions := mockedRegions(t)
	res, err := runGlobal(t, regions, nil)
	if err != nil {
		t.Fatal(err)
	}
	counts := typeCounts(res)
	var lines []string
	for _, typ := range slices.Sorted(maps.Keys(counts)) {
		lines = append(lines, fmt.Sprintf("%-55s %d", typ, counts[typ]))
	}
	t.Logf("the global stack's plan (%d resources):\n%s", len(res.Resources), strings.Join(lines, "\n"))

	want := map[string]int{
		"pulumi:pulumi:StackReference":               2,
		"gpu-orchestration:global:GlobalEntry":       1,
		"gpu-orchestration:frontdoor:FrontDoor":      1,
		"azure-native:cdn:Profile":                   1,
		"azure-native:cdn:AFDEndpoint":               1,
		"azure-native:cdn:AFDOriginGroup":            1,
		"azure-native:cdn:AFDOrigin":                 2,
		"azure-native:cdn:Route":                     1,
		"azure-native:network:Policy":                1,
		"azure-native:cdn:SecurityPolicy":            1,
		"azure-native:insights:DiagnosticSetting":    1,
		"azure-native:insights:MetricAlert":          1,
		"azure-native:resources:ResourceGroup":       1,
		"random:index/randomPassword:RandomPassword": 1,
	}
	for typ, n := range want {
		if counts[typ] != n {
			t.Errorf("%d × %s, want %d", counts[typ], typ, n)
		}
	}
	for _, typ := range []string{"azure-native:app/v20250101:ContainerApp", "azure-native:batch:Pool", "azure-native:storage:StorageAccount", "azure-native:keyvault:Vault"} {
		if counts[typ] != 0 {
			t.Errorf("the global stack declares %d × %s: it deploys no platform of its own", counts[typ], typ)
		}
	}

	profile := one(t, res, "azure-native:cdn:Profile")
	if sku := profile.String("sku.name"); sku != "Standard_AzureFrontDoor" {
		t.Errorf("profile SKU %q", sku)
	}
	if s := profile.Number("originResponseTimeoutSeconds"); s != 240 {
		t.Errorf("origin response timeout %v s, want 240 (the Container Apps ingress limit a cold start may use)", s)
	}
	group := one(t, res, "azure-native:cdn:AFDOriginGroup")
	if p, proto := group.String("healthProbeSettings.probePath"), group.String("healthProbeSettings.probeProtocol"); p != routerconfig.PathReady || proto != "Https" {
		t.Errorf("probes %s %s, want Https %s", proto, p, routerconfig.PathReady)
	}
	if ms, set := group.Input("loadBalancingSettings.additionalLatencyInMilliseconds"), group.Input("loadBalancingSettings.sampleSize"); !ms.IsNumber() || !set.IsNumber() {
		t.Error("the origin group does not set its latency-based load balancing")
	}

	hosts := map[string]string{}
	for _, o := range res.OfType("azure-native:cdn:AFDOrigin") {
		hosts[o.String("originName")] = o.String("hostName")
		if o.String("originHostHeader") != o.String("hostName") || o.String("enabledState") != "Enabled" || o.Number("httpsPort") != 443 {
			t.Errorf("origin %s: host header %q for %q, %s, port %v", o.Name, o.String("originHostHeader"), o.String("hostName"), o.String("enabledState"), o.Number("httpsPort"))
		}
	}
	for name, region := range map[string]string{"prod": "swedencentral", "prod-westus3": "westus3"} {
		url, _ := regions[name].Outputs["routerUrl"].Value.(string)
		if got := "https://" + hosts["origin-"+region]; got != url {
			t.Errorf("origin-%s is %q, want %s's router %q", region, got, name, url)
		}
	}

	route := one(t, res, "azure-native:cdn:Route")
	if route.String("forwardingProtocol") != "HttpsOnly" || route.Input("supportedProtocols").ArrayValue()[0].StringValue() != "Https" || !route.Input("cacheConfiguration").IsNull() {
		t.Errorf("route: forwards %s, accepts %v, cache %v; want HTTPS only and no cache", route.String("forwardingProtocol"), route.Input("supportedProtocols"), route.Input("cacheConfiguration"))
	}
	waf := one(t, res, "azure-native:network:Policy")
	rule := waf.Input("customRules.rules").ArrayValue()[0].ObjectValue()
	if rule["ruleType"].StringValue() != "RateLimitRule" || rule["rateLimitThreshold"].NumberValue() != 3000 || waf.String("policySettings.mode") != "Prevention" {
		t.Errorf("firewall: %v in mode %s", rule, waf.String("policySettings.mode"))
	}

	// What callers and the regions read.
	if u, _ := res.Outputs["endpointUrl"].Value.(string); !strings.HasPrefix(u, "https://") || !strings.HasSuffix(u, ".azurefd.net") {
		t.Errorf("endpointUrl %q", u)
	}
	if id, _ := res.Outputs["frontDoorId"].Value.(string); id == "" {
		t.Error("no frontDoorId output")
	}
	if !res.Outputs["apiKey"].Secret || !res.Outputs["apiKeySha256"].Secret {
		t.Error("the deployment's key and its hash must be secret outputs")
	}
	var routers []components.RegionalRouter
	b, _ := json.Marshal(res.Outputs["regions"].Value)
	if err := json.Unmarshal(b, &routers); err != nil || len(routers) != 2 {
		t.Fatalf("regions output %s: %v", b, err)
	}
}

// The runbook's drain: a region named in drainedRegions keeps its origin,
// disabled, so the front door sends its callers elsewhere; the rest stay
// in rotation.
func TestDrainedRegionLeavesTheRotation(t *testing.T) {
	res, err := runGlobal(t, mockedRegions(t), map[string]string{"drainedRegions": `["swedencentral"]`})
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, o := range res.OfType("azure-native:cdn:AFDOrigin") {
		state[o.String("originName")] = o.String("enabledState")
	}
	if state["origin-swedencentral"] != "Disabled" || state["origin-westus3"] != "Enabled" {
		t.Errorf("origins %v, want swedencentral disabled and westus3 enabled", state)
	}
}

// Regional stacks that cannot make one deployment fail the preview with
// what to change.
func TestGlobalStackRefusesRegionsThatCannotBeOneDeployment(t *testing.T) {
	regions := mockedRegions(t)
	for _, c := range []struct {
		name    string
		regions map[string]*mockstack.Result
		set     map[string]string
		want    string
	}{
		{"a drained region that is none of theirs", regions, map[string]string{"drainedRegions": `["eastus"]`}, `drainedRegions: "eastus" is not a region of the regionStacks`},
		{"two stacks in one region", map[string]*mockstack.Result{"prod": regions["prod"], "prod-westus3": regions["prod"]}, nil, "are both in swedencentral"},
		{"a stack that is not deployed", map[string]*mockstack.Result{"prod": regions["prod"], "prod-westus3": {Outputs: map[string]mockstack.Output{}}}, nil, "stack prod-westus3 has no output location"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := runGlobal(t, c.regions, c.set)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one saying %q", err, c.want)
			}
		})
	}
}

// A regional stack that joins the global one: its router learns its
// region, its peers (the other regions, from the global stack), the
// spill-over the stack allows and the front door it answers through, and
// accepts the deployment's key instead of its own. Nothing is replaced:
// the router updates in place, the key hash in Key Vault changes, and the
// region's own key goes.
func TestRegionJoinsTheGlobalStack(t *testing.T) {
	regions := mockedRegions(t)
	global, err := runGlobal(t, regions, nil)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := mockstack.LoadStackConfig("..", "prod")
	if err != nil {
		t.Fatal(err)
	}
	joined, err := mockstack.RunConfig(prod.With(map[string]string{"globalStack": "global", "spillover": "realtime"}), stack.Program,
		mockstack.WithStackOutputs("global", global.Outputs))
	if err != nil {
		t.Fatal(err)
	}

	// The router's own loader takes what the stack sets.
	d := routerInputs(t, joined)
	c := d.load(t, "", "")
	westus3URL, _ := regions["prod-westus3"].Outputs["routerUrl"].Value.(string)
	wantPeers := []routerconfig.Peer{{Region: "westus3", URL: westus3URL}}
	if c.Region != "swedencentral" || c.Spillover != routerconfig.SpilloverRealtime || c.FrontDoorID != global.Outputs["frontDoorId"].Value {
		t.Errorf("router region %q, spill-over %q, front door %q", c.Region, c.Spillover, c.FrontDoorID)
	}
	if got, _ := json.Marshal(c.Peers); string(got) != mustJSON(wantPeers) {
		t.Errorf("router peers %s, want %s", got, mustJSON(wantPeers))
	}
	if hash := d.secrets[router.SecretAPIKeyHashes]; hash != global.Outputs["apiKeySha256"].Value {
		t.Errorf("the router's key hash %q is not the deployment's %v", hash, global.Outputs["apiKeySha256"].Value)
	}
	if key := joined.Outputs["apiKey"]; key.Value != global.Outputs["apiKey"].Value || !key.Secret {
		t.Error("the region's apiKey output is not the deployment's key, secret")
	}

	alone := deploy(t, "prod")
	var changed []string
	for _, s := range plan.StepsBetween(alone, joined) {
		if s.Op != plan.OpSame {
			changed = append(changed, s.Op+" "+s.Type+" "+s.Name)
		}
	}
	slices.Sort(changed)
	want := []string{
		"create pulumi:pulumi:StackReference global",
		"delete random:index/randomPassword:RandomPassword gpuorch-api-key",
		"update azure-native:app/v20250101:ContainerApp gpuorch-router-app",
		"update azure-native:keyvault:Secret gpuorch-vault-router-api-key-sha256",
	}
	if !slices.Equal(changed, want) {
		t.Errorf("joining the global stack plans\n  %s\nwant\n  %s", strings.Join(changed, "\n  "), strings.Join(want, "\n  "))
	}
}

// A regional stack must be the one the global stack lists for its region
// before it joins: its peers would not know it, and the front door would
// not send it traffic.
func TestRegionNotListedByTheGlobalStackCannotJoin(t *testing.T) {
	global, err := runGlobal(t, mockedRegions(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := mockstack.LoadStackConfig("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		location, want string
	}{
		{"australiaeast", "does not list this stack's region australiaeast"},
		{"westus3", "lists prod-westus3 for westus3, not this stack dev"},
	} {
		_, err = mockstack.RunConfig(dev.With(map[string]string{"globalStack": "global", "location": c.location}), stack.Program,
			mockstack.WithStackOutputs("global", global.Outputs))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("dev in %s joins: err %v, want one saying %q", c.location, err, c.want)
		}
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
