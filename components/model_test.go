package components_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

// code is a model that is not the stack's default: its resources carry its key.
func code() config.Model {
	return config.Model{
		Name: "code-1", Key: "code", GPU: config.GPUA100, ColdStartSeconds: 90, Version: "code-1", GPUMemoryLimit: "80Gi", MaxBatchNodes: 2,
		App: config.Inference{Port: 9000, Path: "/v1/generate", HealthPath: "/ready", MinReplicas: 0, MaxReplicas: 5, Concurrency: 2, CooldownSeconds: 120},
	}
}

// oldParent is a stand-in for a component a single-model stack had.
type oldParent struct{ pulumi.ResourceState }

func declareModel(t *testing.T, isDefault bool) *mockstack.Result {
	t.Helper()
	return declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		var moved *components.MovedFrom
		if isDefault {
			platform, inference := &oldParent{}, &oldParent{}
			if err := ctx.RegisterComponentResource("gpu-orchestration:platform:Platform", "gpuorch", platform); err != nil {
				return nil, err
			}
			if err := ctx.RegisterComponentResource("gpu-orchestration:inference:Inference", "gpuorch-inference", inference, pulumi.Parent(platform)); err != nil {
				return nil, err
			}
			moved = &components.MovedFrom{Platform: platform, Inference: inference, AlertsName: "gpuorch-alerts"}
		}
		m, err := components.NewModelDeployment(ctx, "gpuorch", &components.ModelDeploymentArgs{
			Placement: place(), Model: code(), Default: isDefault, MovedFrom: moved,
			EnvironmentID: pulumi.String("/env/cae"), EnvironmentDomain: pulumi.String("kindstone.example.io"),
			Image:          pulumi.String("cr.azurecr.io/code@sha256:0"),
			RegistryServer: pulumi.String("cr.azurecr.io"), RegistryID: pulumi.String("/registries/cr"),
			SubscriptionID: mockstack.SubscriptionID, ActionGroupID: pulumi.String("ag-id"),
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"internalUrl": m.InternalURL, "image": m.Image, "tiles": pulumi.Int(len(m.Tiles))}, nil
	})
}

// One model alone: its app on its GPU's profile with the whole replica, the
// image's port and paths, internal ingress, scale to zero up to its cap;
// its own identity with AcrPull on the registry and nothing else, granted
// before the app starts; alerts at its own replica cap; its tiles.
func TestModelDeploymentDeclaresItsAppIdentityGrantAndAlerts(t *testing.T) {
	res := declareModel(t, false)
	if u, _ := res.Outputs["internalUrl"].Value.(string); u != "https://ca-gpuorch-test-code.internal.kindstone.example.io" {
		t.Errorf("internalUrl = %q", u)
	}
	if fmt.Sprint(res.Outputs["tiles"].Value) != "2" || res.Outputs["image"].Value != "cr.azurecr.io/code@sha256:0" {
		t.Errorf("tiles %v image %v", res.Outputs["tiles"].Value, res.Outputs["image"].Value)
	}
	apps := res.OfType("azure-native:app/v20250101:ContainerApp")
	ids := res.OfType("azure-native:managedidentity:UserAssignedIdentity")
	grants := res.OfType("azure-native:authorization:RoleAssignment")
	if len(apps) != 1 || len(ids) != 1 || len(grants) != 1 {
		t.Fatalf("%d apps, %d identities, %d grants; want one each", len(apps), len(ids), len(grants))
	}
	a, id, g := apps[0], ids[0], grants[0]
	if a.String("containerAppName") != "ca-gpuorch-test-code" || id.String("resourceName") != "id-gpuorch-test-code" {
		t.Errorf("app %q identity %q: want names carrying the key", a.String("containerAppName"), id.String("resourceName"))
	}
	if a.String("workloadProfileName") != "gpu-a100" {
		t.Errorf("app pinned to %q, want gpu-a100", a.String("workloadProfileName"))
	}
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
	if a.Number("configuration.ingress.targetPort") != 9000 || a.Number("template.scale.minReplicas") != 0 || a.Number("template.scale.maxReplicas") != 5 || a.Number("template.scale.cooldownPeriod") != 120 {
		t.Errorf("port %v, replicas %v..%v, cool-down %v", a.Number("configuration.ingress.targetPort"), a.Number("template.scale.minReplicas"), a.Number("template.scale.maxReplicas"), a.Number("template.scale.cooldownPeriod"))
	}
	if ext, _ := a.Bool("configuration.ingress.external"); ext {
		t.Error("the model's app is reachable from outside its environment")
	}
	if !strings.HasSuffix(g.String("roleDefinitionId"), "/"+components.RoleAcrPull) || g.String("scope") != "/registries/cr" || g.String("principalId") != mockstack.PrincipalID("id-gpuorch-test-code") {
		t.Errorf("grant %s on %s to %s, want AcrPull on the registry to the model's identity", g.String("roleDefinitionId"), g.String("scope"), g.String("principalId"))
	}
	if !slices.Contains(a.Dependencies, g.URN("unit", "test")) {
		t.Error("the app does not wait for its AcrPull grant")
	}
	alerts := res.OfType("azure-native:insights:MetricAlert")
	var names []string
	for _, al := range alerts {
		names = append(names, al.String("ruleName"))
		crit := al.Input("criteria.allOf").ArrayValue()[0].ObjectValue()
		if crit["metricName"].StringValue() == "Replicas" && crit["threshold"].NumberValue() != 5 {
			t.Errorf("replicas alert at %v, want the model's cap 5", crit["threshold"].NumberValue())
		}
		if scope := al.Input("scopes").ArrayValue()[0]; mockstack.Unwrap(scope).StringValue() != a.String("containerAppName") && !strings.HasSuffix(mockstack.Unwrap(scope).StringValue(), "/ca-gpuorch-test-code") {
			t.Errorf("alert %s watches %v, not the model's app", al.Name, scope)
		}
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "alert-gpuorch-test-code-gpu-high,alert-gpuorch-test-code-replicas-at-max" {
		t.Errorf("alert rules %v", names)
	}
	for _, r := range res.Custom() {
		if moved := movedFrom(r); len(moved) > 0 {
			t.Errorf("%s answers to %v; only the default model's resources moved", r.Name, moved)
		}
	}
}

// movedFrom are the URNs of a resource's aliases to another parent (the
// SDK's own aliases name other API versions of its type).
func movedFrom(r mockstack.Resource) []string {
	var out []string
	for i, a := range r.Aliases {
		if a.Parent != "" {
			out = append(out, r.AliasURNs("unit", "test")[i])
		}
	}
	return out
}

// The stack's default model keeps the names a single-model stack gave its
// inference app, identity, grant and alerts, and answers to their URNs
// under the parents they had (the platform, its inference tier, its alerts).
func TestDefaultModelKeepsTheSingleModelNames(t *testing.T) {
	res := declareModel(t, true)
	const platform = "urn:pulumi:test::unit::gpu-orchestration:platform:Platform"
	want := map[string]struct{ azure, old string }{
		"gpuorch-id-inference": {"id-gpuorch-test-inference",
			platform + "$azure-native:managedidentity:UserAssignedIdentity::gpuorch-id-inference"},
		"ra-inference-acrpull-registry": {"",
			platform + "$azure-native:authorization:RoleAssignment::ra-inference-acrpull-registry"},
		"gpuorch-inference-app": {"ca-gpuorch-test-inference",
			platform + "$gpu-orchestration:inference:Inference$azure-native:app/v20250101:ContainerApp::gpuorch-inference-app"},
		"gpuorch-alerts-inference-replicas-at-max": {"alert-gpuorch-test-inference-replicas-at-max",
			platform + "$gpu-orchestration:alerts:Alerts$azure-native:insights:MetricAlert::gpuorch-alerts-inference-replicas-at-max"},
		"gpuorch-alerts-inference-gpu-high": {"alert-gpuorch-test-inference-gpu-high",
			platform + "$gpu-orchestration:alerts:Alerts$azure-native:insights:MetricAlert::gpuorch-alerts-inference-gpu-high"},
	}
	for _, r := range res.Custom() {
		w, ok := want[r.Name]
		if !ok {
			t.Errorf("unexpected %s %s", r.Type, r.Name)
			continue
		}
		delete(want, r.Name)
		if _, name, _ := r.AzureName(); w.azure != "" && name != w.azure {
			t.Errorf("%s is named %q in Azure, want %q", r.Name, name, w.azure)
		}
		if moved := movedFrom(r); len(moved) != 1 || moved[0] != w.old {
			t.Errorf("%s answers to %v, want its old URN %s", r.Name, moved, w.old)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing %v", want)
	}
}
