package components_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// The Batch tier alone: an Entra-only account on Batch-service allocation,
// and a pool that names no image (its tasks do, so an image rebuild never
// touches it), pulls as the pool identity, and scales by the stack's formula
// for the limits given.
func TestBatchPoolNamesNoImageAndScalesByTheFormula(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		b, err := components.NewBatch(ctx, "batch", &components.BatchArgs{
			Placement: place(), AutoStorageAccountID: pulumi.String("st-id"), AccountIdentityID: pulumi.String("id-account"),
			PoolIdentityID: pulumi.String("id-pool"), Batch: config.Batch{VMSize: "Standard_NC4as_T4_v3", MaxNodes: 6, Spot: true},
			RegistryServer: pulumi.String("cr.example.io"),
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"formula": b.Formula}, nil
	})
	accounts := res.OfType("azure-native:batch:BatchAccount")
	pools := res.OfType("azure-native:batch:Pool")
	if len(accounts) != 1 || len(pools) != 1 {
		t.Fatalf("%d accounts, %d pools", len(accounts), len(pools))
	}
	acct := accounts[0]
	if modes := acct.Input("allowedAuthenticationModes").ArrayValue(); len(modes) != 1 || modes[0].StringValue() != "AAD" {
		t.Errorf("authentication modes %v, want AAD only", modes)
	}
	if acct.String("poolAllocationMode") != "BatchService" || acct.String("autoStorage.authenticationMode") != "BatchAccountManagedIdentity" {
		t.Errorf("allocation %q, auto-storage auth %q", acct.String("poolAllocationMode"), acct.String("autoStorage.authenticationMode"))
	}
	pool := pools[0]
	cc := pool.Input("deploymentConfiguration.virtualMachineConfiguration.containerConfiguration").ObjectValue()
	if _, named := cc["containerImageNames"]; named {
		t.Error("the pool pre-pulls images: every rebuild would change deploymentConfiguration, which Batch refuses to update")
	}
	reg := cc["containerRegistries"].ArrayValue()
	if len(reg) != 1 || reg[0].ObjectValue()["identityReference"].ObjectValue()["resourceId"].StringValue() != "id-pool" {
		t.Errorf("registries %v, want one pulled as the pool identity", reg)
	}
	want, err := components.PoolFormula(true, 6)
	if err != nil {
		t.Fatal(err)
	}
	if got := pool.String("scaleSettings.autoScale.formula"); got != want || res.Outputs["formula"].Value != want {
		t.Errorf("pool formula differs from PoolFormula(spot, 6):\n%s", got)
	}
	if pool.Number("taskSlotsPerNode") != 1 || pool.String("vmSize") != "Standard_NC4as_T4_v3" {
		t.Errorf("slots %v, size %q", pool.Number("taskSlotsPerNode"), pool.String("vmSize"))
	}
}

// Without an auto-storage account the account links none: an isolated
// stack's storage answers only through its private endpoints, which the
// Batch service, reaching auto-storage from outside, cannot use.
func TestBatchLinksAutoStorageOnlyWhenGiven(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := components.NewBatch(ctx, "batch", &components.BatchArgs{
			Placement: place(), AccountIdentityID: pulumi.String("id-account"), PoolIdentityID: pulumi.String("id-pool"),
			Batch: config.Batch{VMSize: "Standard_NC4as_T4_v3", MaxNodes: 2, Spot: true}, RegistryServer: pulumi.String("cr.example.io"),
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
