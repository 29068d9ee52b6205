package components_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// The inference tier from its own inputs, without the stack's config: the GPU
// profile and app settings given are the ones declared, and the outputs name
// the profile and the internal address.
func TestInferenceDeclaresTheGivenProfileAndApp(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		in, err := components.NewInference(ctx, "inf", &components.InferenceArgs{
			Placement:   place(),
			WorkspaceID: pulumi.String("/subscriptions/s/resourceGroups/rg-unit/providers/Microsoft.OperationalInsights/workspaces/log"),
			GPU:         config.GPUA100,
			App: config.Inference{Port: 9000, Path: "/v1/generate", HealthPath: "/ready",
				MinReplicas: 0, MaxReplicas: 5, Concurrency: 2, CooldownSeconds: 120},
			Image:          pulumi.String("cr.azurecr.io/model@sha256:0"),
			RegistryServer: pulumi.String("cr.azurecr.io"),
			PullIdentityID: pulumi.String("/id/inference"),
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"gpuProfileName": in.GPUProfileName, "internalUrl": in.InternalURL}, nil
	})
	if got := res.Outputs["gpuProfileName"].Value; got != "gpu-a100" {
		t.Errorf("gpuProfileName = %v, want gpu-a100", got)
	}
	if u, _ := res.Outputs["internalUrl"].Value.(string); !strings.HasPrefix(u, "https://ca-gpuorch-test-inference.internal.") {
		t.Errorf("internalUrl = %q", u)
	}
	env := res.OfType("azure-native:app/v20250101:ManagedEnvironment")
	if len(env) != 1 {
		t.Fatalf("%d environments", len(env))
	}
	profiles := map[string]string{}
	for _, p := range env[0].Input("workloadProfiles").ArrayValue() {
		m := p.ObjectValue()
		profiles[m["name"].StringValue()] = m["workloadProfileType"].StringValue()
	}
	if profiles["gpu-a100"] != "Consumption-GPU-NC24-A100" || profiles["Consumption"] != "Consumption" {
		t.Errorf("environment profiles %v", profiles)
	}
	apps := res.OfType("azure-native:app/v20250101:ContainerApp")
	if len(apps) != 1 {
		t.Fatalf("%d apps", len(apps))
	}
	a := apps[0]
	c := a.Input("template.containers").ArrayValue()[0].ObjectValue()
	if cpu, mem := c["resources"].ObjectValue()["cpu"].NumberValue(), c["resources"].ObjectValue()["memory"].StringValue(); cpu != 24 || mem != "220Gi" {
		t.Errorf("replica resources %v CPU %s, want the profile's 24 and 220Gi", cpu, mem)
	}
	for _, p := range c["probes"].ArrayValue() {
		g := p.ObjectValue()["httpGet"].ObjectValue()
		if g["path"].StringValue() != "/ready" || g["port"].NumberValue() != 9000 {
			t.Errorf("probe %v, want /ready on 9000", g)
		}
	}
	if a.Number("configuration.ingress.targetPort") != 9000 || a.Number("template.scale.maxReplicas") != 5 || a.Number("template.scale.cooldownPeriod") != 120 {
		t.Errorf("port %v, max replicas %v, cool-down %v", a.Number("configuration.ingress.targetPort"), a.Number("template.scale.maxReplicas"), a.Number("template.scale.cooldownPeriod"))
	}
	if ext, _ := a.Bool("configuration.ingress.external"); ext {
		t.Error("the inference app is reachable from outside its environment")
	}
}
