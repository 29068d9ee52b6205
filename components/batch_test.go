package components_test

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

// The Batch tier alone: an Entra-only account on Batch-service allocation,
// and one pool per GPU type given, each naming no image (its tasks do, so an
// image rebuild never touches it), pulling as the pool identity and scaling
// by the stack's formula for its limits; the first keeps the name gpu-pool.
func TestBatchPoolNamesNoImageAndScalesByTheFormula(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		b, err := components.NewBatch(ctx, "batch", &components.BatchArgs{
			Placement: place(), AutoStorageAccountID: pulumi.String("st-id"), AccountIdentityID: pulumi.String("id-account"),
			PoolIdentityID: pulumi.String("id-pool"),
			Pools: []config.Pool{
				{GPU: config.GPUT4, VMSize: "Standard_NC4as_T4_v3", MaxNodes: 6, Spot: true},
				{GPU: config.GPUA100, VMSize: "Standard_NC24ads_A100_v4", MaxNodes: 2, Spot: true},
			},
			RegistryServer: pulumi.String("cr.example.io"),
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"formulas": b.Formulas, "poolIds": b.PoolIDs, "a100": b.PoolIDOf[config.GPUA100]}, nil
	})
	accounts := res.OfType("azure-native:batch:BatchAccount")
	pools := res.OfType("azure-native:batch:Pool")
	if len(accounts) != 1 || len(pools) != 2 {
		t.Fatalf("%d accounts, %d pools", len(accounts), len(pools))
	}
	if ids := fmt.Sprint(res.Outputs["poolIds"].Value); ids != "[gpu-pool gpu-pool-a100]" || res.Outputs["a100"].Value != "gpu-pool-a100" {
		t.Errorf("pool ids %v (A100: %v), want gpu-pool and gpu-pool-a100", ids, res.Outputs["a100"].Value)
	}
	acct := accounts[0]
	if modes := acct.Input("allowedAuthenticationModes").ArrayValue(); len(modes) != 1 || modes[0].StringValue() != "AAD" {
		t.Errorf("authentication modes %v, want AAD only", modes)
	}
	if acct.String("poolAllocationMode") != "BatchService" || acct.String("autoStorage.authenticationMode") != "BatchAccountManagedIdentity" {
		t.Errorf("allocation %q, auto-storage auth %q", acct.String("poolAllocationMode"), acct.String("autoStorage.authenticationMode"))
	}
	byName := map[string]mockstack.Resource{}
	for _, p := range pools {
		byName[p.String("poolName")] = p
	}
	pool := byName["gpu-pool"]
	cc := pool.Input("deploymentConfiguration.virtualMachineConfiguration.containerConfiguration").ObjectValue()
	if _, named := cc["containerImageNames"]; named {
		t.Error("the pool pre-pulls images: every rebuild would change deploymentConfiguration, which Batch refuses to update")
	}
	reg := cc["containerRegistries"].ArrayValue()
	if len(reg) != 1 || reg[0].ObjectValue()["identityReference"].ObjectValue()["resourceId"].StringValue() != "id-pool" {
		t.Errorf("registries %v, want one pulled as the pool identity", reg)
	}
	for i, want := range []struct {
		pool, size string
		nodes      int
	}{{"gpu-pool", "Standard_NC4as_T4_v3", 6}, {"gpu-pool-a100", "Standard_NC24ads_A100_v4", 2}} {
		formula, err := components.PoolFormula(true, want.nodes)
		if err != nil {
			t.Fatal(err)
		}
		p := byName[want.pool]
		if got := p.String("scaleSettings.autoScale.formula"); got != formula || res.Outputs["formulas"].Value.([]string)[i] != formula {
			t.Errorf("pool %s formula differs from PoolFormula(spot, %d):\n%s", p.Name, want.nodes, got)
		}
		if p.Number("taskSlotsPerNode") != 1 || p.String("vmSize") != want.size {
			t.Errorf("pool %s: slots %v, size %q, want 1 and %s", p.Name, p.Number("taskSlotsPerNode"), p.String("vmSize"), want.size)
		}
	}
}

// Without an auto-storage account the account links none: an isolated
// stack's storage answers only through its private endpoints, which the
// Batch service, reaching auto-storage from outside, cannot use.
func TestBatchLinksAutoStorageOnlyWhenGiven(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := components.NewBatch(ctx, "batch", &components.BatchArgs{
			Placement: place(), AccountIdentityID: pulumi.String("id-account"), PoolIdentityID: pulumi.String("id-pool"),
			Pools: []config.Pool{{GPU: config.GPUT4, VMSize: "Standard_NC4as_T4_v3", MaxNodes: 2, Spot: true}}, RegistryServer: pulumi.String("cr.example.io"),
		})
		return pulumi.Map{}, err
	})
	accounts := res.OfType("azure-native:batch:BatchAccount")
	if len(accounts) != 1 {
		t.Fatalf("%d accounts", len(accounts))
	}
	if auto := accounts[0].Input("autoStorage"); !auto.IsNull() {
		t.Errorf("account links auto-storage %v, want none", auto)
	}
}
