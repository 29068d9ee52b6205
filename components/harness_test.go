package components_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

// declare runs one component alone under the mock harness, as Pulumi's
// component unit-testing guide does, and returns what it registered and the
// outputs it names.
func declare(t *testing.T, program func(ctx *pulumi.Context) (pulumi.Map, error)) *mockstack.Result {
	t.Helper()
	res, err := mockstack.RunConfig(&mockstack.StackConfig{Project: "unit", Stack: "test", Values: map[string]string{}}, program)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// place is a placement in an existing group, as a reuser would give it.
func place() components.Placement {
	return components.Placement{
		ResourceGroupName: pulumi.String("rg-unit"),
		Location:          pulumi.String("westus3"),
		Tags:              pulumi.StringMap{"team": pulumi.String("ml")},
		Naming:            components.NewNaming("test", mockstack.SubscriptionID, "rg-unit"),
	}
}
