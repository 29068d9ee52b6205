package check_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// mockedGlobal runs Pulumi.global.yaml under mocks before its two regional
// stacks (prod, and prod as prod-westus3), as the CLI would hand it to the
// pack.
func mockedGlobal(t *testing.T) (*mockstack.Result, *mockstack.StackConfig) {
	t.Helper()
	var opts []mockstack.Option
	for name, location := range map[string]string{"prod": "swedencentral", "prod-westus3": "westus3"} {
		cfg, err := mockstack.LoadStackConfig("../..", "prod")
		if err != nil {
			t.Fatal(err)
		}
		cfg = cfg.With(map[string]string{"location": location})
		cfg.Stack = name
		res, err := mockstack.RunConfig(cfg, stack.Program)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, mockstack.WithStackOutputs(name, res.Outputs))
	}
	cfg, err := mockstack.LoadStackConfig("../..", "global")
	if err != nil {
		t.Fatal(err)
	}
	res, err := mockstack.RunConfig(cfg, stack.Program, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return res, cfg
}

func runPack(t *testing.T, res *mockstack.Result, cfg *mockstack.StackConfig) []check.Violation {
	t.Helper()
	settings, err := check.SettingsFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := check.Run(res, settings)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// The global stack passes the pack: the platform's rules that apply to it
// (tags, budget and receiver, log retention, metric aggregations) and the
// front door's.
func TestGlobalStackPassesThePack(t *testing.T) {
	res, cfg := mockedGlobal(t)
	vs := runPack(t, res, cfg)
	for _, v := range check.MandatoryOf(vs) {
		t.Errorf("%s", v)
	}
	t.Logf("global: %d resources checked, %d advisory violation(s)", len(res.Resources), len(check.AdvisoryOf(vs)))
}

// The front door's rules fire on the global stack's own resources when
// they drift: its route set to forward whatever the caller used, and its
// probes moved to /healthz.
func TestGlobalStackFrontDoorRulesFire(t *testing.T) {
	res, cfg := mockedGlobal(t)
	for i, r := range res.Resources {
		switch r.Type {
		case "azure-native:cdn:Route":
			res.Resources[i].Inputs["forwardingProtocol"] = resource.NewProperty("MatchRequest")
		case "azure-native:cdn:AFDOriginGroup":
			probe := r.Inputs["healthProbeSettings"].ObjectValue().Copy()
			probe["probePath"] = resource.NewProperty("/healthz")
			res.Resources[i].Inputs["healthProbeSettings"] = resource.NewProperty(probe)
		}
	}
	fired := map[string]string{}
	for _, v := range check.MandatoryOf(runPack(t, res, cfg)) {
		fired[v.Policy] = v.Message
		t.Logf("%s", v)
	}
	for policy, say := range map[string]string{
		"frontdoor-https-only":    "set forwardingProtocol to HttpsOnly (it is MatchRequest)",
		"frontdoor-probes-readyz": "probes /healthz: set healthProbeSettings.probePath to /readyz",
	} {
		if !strings.Contains(fired[policy], say) {
			t.Errorf("%s: %q, want it to say %q", policy, fired[policy], say)
		}
	}
}
