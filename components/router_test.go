package components_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
)

// The router tier alone: HTTPS-only external ingress, one replica always
// (it holds the live state and the dispatcher), the image pulled as its own
// identity, probes on /healthz and /readyz, and its environment as given.
func TestRouterAppServesHTTPSOnlyAndKeepsOneReplica(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		r, err := components.NewRouter(ctx, "router", &components.RouterArgs{
			Placement: place(), EnvironmentID: pulumi.String("env-id"), EnvironmentDomain: pulumi.String("example.azurecontainerapps.io"),
			Image: pulumi.String("cr.example.io/router@sha256:abc"), RegistryServer: pulumi.String("cr.example.io"),
			IdentityID: pulumi.String("id-router"), MaxReplicas: 5,
			Env: map[string]pulumi.StringInput{"B_VAR": pulumi.String("b"), "A_VAR": pulumi.String("a")},
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"url": r.URL}, nil
	})
	apps := res.OfType("azure-native:app/v20250101:ContainerApp")
	if len(apps) != 1 {
		t.Fatalf("%d container apps", len(apps))
	}
	app := apps[0]
	if ext, _ := app.Bool("configuration.ingress.external"); !ext {
		t.Error("the router's ingress is not external")
	}
	if insecure, set := app.Bool("configuration.ingress.allowInsecure"); !set || insecure {
		t.Error("plain HTTP is allowed")
	}
	reg := app.Input("configuration.registries").ArrayValue()
	if len(reg) != 1 || reg[0].ObjectValue()["identity"].StringValue() != "id-router" {
		t.Errorf("registries %v, want one pulled as the router's identity", reg)
	}
	if app.Number("template.scale.minReplicas") != 1 || app.Number("template.scale.maxReplicas") != 5 {
		t.Errorf("replicas %v–%v, want 1–5", app.Number("template.scale.minReplicas"), app.Number("template.scale.maxReplicas"))
	}
	c := app.Input("template.containers").ArrayValue()[0].ObjectValue()
	var env []string
	for _, e := range c["env"].ArrayValue() {
		env = append(env, e.ObjectValue()["name"].StringValue())
	}
	if len(env) != 2 || env[0] != "A_VAR" || env[1] != "B_VAR" {
		t.Errorf("environment %v, want A_VAR and B_VAR in name order", env)
	}
	probes := map[string]string{}
	for _, p := range c["probes"].ArrayValue() {
		o := p.ObjectValue()
		probes[o["type"].StringValue()] = o["httpGet"].ObjectValue()["path"].StringValue()
	}
	if probes["Liveness"] != "/healthz" || probes["Readiness"] != "/readyz" {
		t.Errorf("probes %v", probes)
	}
	if got, _ := res.Outputs["url"].Value.(string); got != "https://"+app.String("containerAppName")+".example.azurecontainerapps.io" {
		t.Errorf("url %q", got)
	}
}
