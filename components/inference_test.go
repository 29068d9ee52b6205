package components_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// The inference tier from its own inputs, without the stack's config: one
// environment with the Consumption profile and one profile per GPU given,
// in their order, named as the models' apps pin them.
func TestInferenceDeclaresAProfilePerGPU(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		in, err := components.NewInference(ctx, "inf", &components.InferenceArgs{
			Placement:   place(),
			WorkspaceID: pulumi.String("/subscriptions/s/resourceGroups/rg-unit/providers/Microsoft.OperationalInsights/workspaces/log"),
			GPUs:        []config.GPUType{config.GPUA100, config.GPUT4},
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"gpuProfileNames": in.GPUProfileNames}, nil
	})
	if got := fmt.Sprint(res.Outputs["gpuProfileNames"].Value); got != "[gpu-a100 gpu-t4]" {
		t.Errorf("gpuProfileNames = %v, want gpu-a100, gpu-t4", got)
	}
	env := res.OfType("azure-native:app/v20250101:ManagedEnvironment")
	if len(env) != 1 {
		t.Fatalf("%d environments", len(env))
	}
	var profiles []string
	for _, p := range env[0].Input("workloadProfiles").ArrayValue() {
		m := p.ObjectValue()
		profiles = append(profiles, m["name"].StringValue()+"="+m["workloadProfileType"].StringValue())
	}
	want := []string{"Consumption=Consumption", "gpu-a100=Consumption-GPU-NC24-A100", "gpu-t4=Consumption-GPU-NC8as-T4"}
	if !reflect.DeepEqual(profiles, want) {
		t.Errorf("environment profiles %v, want %v", profiles, want)
	}
	if apps := res.OfType("azure-native:app/v20250101:ContainerApp"); len(apps) != 0 {
		t.Errorf("the inference tier declares %d apps; each model declares its own", len(apps))
	}
}
