package components

import (
	app "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20250101"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding"
)

// containerAppType is the token app.NewContainerApp registers with; the
// provider version is the one every resource of the stack pins
// (binding.AzureNativeVersion, which a test keeps equal to go.mod's SDK
// modules).
const containerAppType = "azure-native:app/v20250101:ContainerApp"

// newContainerApp registers a Container App as app.NewContainerApp does,
// minus one step: NewContainerApp passes Configuration and Template through
// ApplyT(Defaults), which turns each block into a single output that is
// unknown as a whole while any value inside it is unknown — an image digest
// before the build, the registry's login server before the registry exists.
// The preview then showed `template: [unknown]` and the policy rules on
// replicas, probes, secrets and the GPU profile judged nothing. Registered
// as built, the engine and the policy pack see every known field, and only
// the unknown ones as unknown.
//
// The defaults NewContainerApp fills in (configuration.activeRevisionsMode
// Single; ingress allowInsecure false, external false, transport auto;
// template.scale.maxReplicas 10) are set explicitly by the callers, so
// skipping Defaults changes no value (stack/containerapp_test.go checks).
func newContainerApp(ctx *pulumi.Context, name string, args *app.ContainerAppArgs, opts ...pulumi.ResourceOption) (*app.ContainerApp, error) {
	var res app.ContainerApp
	opts = append([]pulumi.ResourceOption{pulumi.Version(binding.AzureNativeVersion)}, opts...)
	if err := ctx.RegisterResource(containerAppType, name, args, &res, opts...); err != nil {
		return nil, err
	}
	return &res, nil
}
