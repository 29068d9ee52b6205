package stack_test

import (
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding"
)

// The components register Container Apps without the SDK's Defaults step
// (components/containerapp.go): every value that step would fill in must
// therefore be set by the program itself, or Azure would get a different app.
func TestContainerAppsSetTheSDKDefaultsThemselves(t *testing.T) {
	paths := []string{
		"configuration.activeRevisionsMode",
		"configuration.ingress.allowInsecure",
		"configuration.ingress.external",
		"configuration.ingress.transport",
		"template.scale.maxReplicas",
	}
	for _, name := range stacks {
		res := deploy(t, name)
		apps := res.OfType("azure-native:app/v20250101:ContainerApp")
		if len(apps) < 2 {
			t.Fatalf("%s: %d container apps, want each model's app and the router", name, len(apps))
		}
		for _, app := range apps {
			if app.ProviderVersion != binding.AzureNativeVersion {
				t.Errorf("%s %s: provider version %q, want %s", name, app.Name, app.ProviderVersion, binding.AzureNativeVersion)
			}
			for _, p := range paths {
				if app.Input(p).IsNull() {
					t.Errorf("%s %s: %s is unset; NewContainerApp's Defaults would have set it", name, app.Name, p)
				}
			}
		}
	}
}
