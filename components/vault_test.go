package components_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// The vault tier alone: RBAC only, purge protection sent only when asked
// (the API accepts only true), one secret per setting holding its value,
// the name ending in the deployment's suffix and fitting Key Vault's 24
// characters, and everything retained when asked.
func TestVaultIsRBACOnlyWithOneSecretPerSetting(t *testing.T) {
	for _, tt := range []struct {
		name           string
		purge, retain  bool
		stack, wantEnd string
	}{
		{"dev-like", false, false, "test", "abc123"},
		{"prod-like, long stack name", true, true, "staging-westeurope", "abc123"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
				p := place()
				p.Naming = components.NewNaming(tt.stack, "sub", "rg-unit").WithSuffix(pulumi.String(tt.wantEnd).ToStringOutput())
				v, err := components.NewVault(ctx, "kv", &components.VaultArgs{
					Placement: p, TenantID: "tenant", KeyVault: config.KeyVault{PurgeProtection: tt.purge, SoftDeleteDays: 30}, Retain: tt.retain,
					Settings: map[string]pulumi.StringInput{"b-setting": pulumi.String("2"), "a-setting": pulumi.String("1")},
				})
				if err != nil {
					return nil, err
				}
				return pulumi.Map{"names": v.SettingNames}, nil
			})
			vaults := res.OfType("azure-native:keyvault:Vault")
			if len(vaults) != 1 {
				t.Fatalf("%d vaults", len(vaults))
			}
			kv := vaults[0]
			if rbac, _ := kv.Bool("properties.enableRbacAuthorization"); !rbac {
				t.Error("access policies, not RBAC")
			}
			if kv.Number("properties.softDeleteRetentionInDays") != 30 {
				t.Errorf("soft delete %v days, want 30", kv.Number("properties.softDeleteRetentionInDays"))
			}
			if purge, set := kv.Bool("properties.enablePurgeProtection"); set != tt.purge || purge != tt.purge {
				t.Errorf("enablePurgeProtection sent %v (set %v), want sent only as true when asked (%v)", purge, set, tt.purge)
			}
			_, name, _ := kv.AzureName()
			if !strings.HasSuffix(name, "-"+tt.wantEnd) || len(name) > 24 {
				t.Errorf("vault name %q: want the deployment suffix and at most 24 characters", name)
			}
			secrets := map[string]string{}
			for _, s := range res.OfType("azure-native:keyvault:Secret") {
				secrets[s.String("secretName")] = s.String("properties.value")
				if s.RetainOnDelete != tt.retain {
					t.Errorf("secret %s retainOnDelete %v, want %v", s.Name, s.RetainOnDelete, tt.retain)
				}
			}
			if len(secrets) != 2 || secrets["a-setting"] != "1" || secrets["b-setting"] != "2" {
				t.Errorf("secrets %v, want a-setting=1 and b-setting=2", secrets)
			}
			if kv.RetainOnDelete != tt.retain {
				t.Errorf("vault retainOnDelete %v, want %v", kv.RetainOnDelete, tt.retain)
			}
		})
	}
}
