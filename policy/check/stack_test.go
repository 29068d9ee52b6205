package check_test

import (
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// The pack over the mocked stacks, exactly as `pulumi preview --policy-pack
// policy` would see them: no mandatory violation; advisories are listed.
func TestStacksPassMandatoryPolicies(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) {
			res, vs, err := check.Stack("../..", name, stack.Program)
			if err != nil {
				t.Fatalf("checking stack %s: %v", name, err)
			}
			if len(res.Custom()) == 0 {
				t.Fatalf("stack %s registered no resources; nothing was checked", name)
			}
			for _, v := range check.MandatoryOf(vs) {
				t.Errorf("%s", v)
			}
			adv := check.AdvisoryOf(vs)
			t.Logf("%s: %d resources checked, %d advisory violation(s)", name, len(res.Resources), len(adv))
			for _, v := range adv {
				t.Logf("  %s", v)
			}
		})
	}
}

// The stack path can fail: prod with purge protection turned off in its
// config is stopped by the pack.
func TestProdWithoutPurgeProtectionIsStopped(t *testing.T) {
	cfg, err := mockstack.LoadStackConfig("../..", "prod")
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.With(map[string]string{"keyVaultPurgeProtection": "false"})
	res, err := mockstack.RunConfig(cfg, stack.Program)
	if err != nil {
		t.Fatalf("running prod without purge protection: %v", err)
	}
	vs := runPack(t, res, cfg)
	for _, v := range check.MandatoryOf(vs) {
		if v.Policy == "keyvault-purge-protection-prod" && strings.Contains(v.URN, "keyvault:Vault") &&
			strings.Contains(v.Message, "set properties.enablePurgeProtection to true") {
			return
		}
	}
	t.Errorf("prod vault without purge protection passed the pack: %v", vs)
}
