package components_test

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// The storage tier alone: the names it outputs are the ones the router looks
// for without configuration, shared keys are off, and the lifecycle rule
// covers exactly the two containers for the days asked, and the account is
// replicated as asked.
func TestStorageOutputsTheRoutersNamesAndExpiresPayloads(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		s, err := components.NewStorage(ctx, "st", &components.StorageArgs{Placement: place(), PayloadRetentionDays: 3, Redundancy: "RAGRS"})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"work": s.WorkQueueName, "poison": s.PoisonQueueName, "requests": s.RequestContainerName,
			"results": s.ResultContainerName, "queueEndpoint": s.QueueEndpoint}, nil
	})
	def := routerconfig.Default().Storage
	for out, want := range map[string]string{"work": def.WorkQueue, "poison": def.PoisonQueue, "requests": def.RequestContainer, "results": def.ResultContainer} {
		if got := res.Outputs[out].Value; got != want {
			t.Errorf("output %s = %v, want the router's default %q", out, got, want)
		}
	}
	if ep, _ := res.Outputs["queueEndpoint"].Value.(string); ep == "" {
		t.Error("no queue endpoint output")
	}
	acct := res.OfType("azure-native:storage:StorageAccount")
	if len(acct) != 1 {
		t.Fatalf("%d storage accounts", len(acct))
	}
	if shared, set := acct[0].Bool("allowSharedKeyAccess"); !set || shared {
		t.Error("shared key access is not turned off")
	}
	if sku := acct[0].String("sku.name"); sku != "Standard_RAGRS" {
		t.Errorf("account SKU %q, want Standard_RAGRS for Redundancy RAGRS", sku)
	}
	if acct[0].String("tags.team") != "ml" {
		t.Error("the placement's tags are not on the account")
	}
	pol := res.OfType("azure-native:storage:ManagementPolicy")
	if len(pol) != 1 {
		t.Fatalf("%d lifecycle policies", len(pol))
	}
	rule := pol[0].Input("policy.rules").ArrayValue()[0].ObjectValue()
	def2 := rule["definition"].ObjectValue()
	var prefixes []string
	for _, p := range def2["filters"].ObjectValue()["prefixMatch"].ArrayValue() {
		prefixes = append(prefixes, p.StringValue())
	}
	if !slices.Equal(prefixes, []string{def.RequestContainer + "/", def.ResultContainer + "/"}) {
		t.Errorf("lifecycle prefixes %v", prefixes)
	}
	days := def2["actions"].ObjectValue()["baseBlob"].ObjectValue()["delete"].ObjectValue()["daysAfterModificationGreaterThan"].NumberValue()
	if days != 3 {
		t.Errorf("payloads expire after %v days, want 3", days)
	}
}
