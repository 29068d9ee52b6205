package components

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding/managedidentity"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// CanaryApp is a canary revision of a model: a GPU app of its own beside
// the model's, which serves the stable revision. Not a labelled Container
// Apps revision of the model's app: a Pulumi ContainerApp declares one
// template, so the stable revision would be whatever an earlier deployment
// left in Azure, and each canary a change of the stable app (README,
// "Revisions of a model").
type CanaryApp struct {
	Revision config.Revision
	// InternalURL is its app's address inside the environment, for the
	// router.
	InternalURL pulumi.StringOutput
	// Image is what its app runs, and its pinned Batch tasks.
	Image pulumi.StringOutput
	// App is the app itself, for the router to start after it.
	App pulumi.Resource
}

// newCanaries declares each canary of the model, under the model's
// component: its identity, its AcrPull on the registry, then its app on the
// model's GPU profile — the model's app but for name, image and identity.
// component is the model component's logical name.
func newCanaries(ctx *pulumi.Context, component string, args *ModelDeploymentArgs, child pulumi.ResourceOption) ([]CanaryApp, error) {
	var out []CanaryApp
	for j, r := range args.Canaries() {
		workload := args.CanaryWorkload(r)
		logical := component + "-" + r.Name
		id, err := managedidentity.NewUserAssignedIdentity(ctx, logical+"-id", &managedidentity.UserAssignedIdentityArgs{
			ResourceName:      pulumi.String(args.Naming.Hyphenated("id") + "-" + workload),
			ResourceGroupName: args.ResourceGroupName,
			Location:          args.Location,
			Tags:              args.Tags,
		}, child)
		if err != nil {
			return nil, fmt.Errorf("model %s revision %s identity: %w", args.Name, r.Name, err)
		}
		grants, err := assignRoles(ctx, args.SubscriptionID, []grant{
			{"model-" + workload + "-acrpull-registry", id.PrincipalId, RoleAcrPull, args.RegistryID},
		}, child)
		if err != nil {
			return nil, err
		}
		name := args.Naming.Hyphenated("ca") + "-" + workload
		image := args.CanaryImages[j]
		a, err := newContainerApp(ctx, logical+"-app", gpuAppArgs(args, name, image, id.ID().ToStringOutput()),
			child, pulumi.DependsOn(append(grants, args.AppDependsOn...)))
		if err != nil {
			return nil, fmt.Errorf("model %s revision %s container app: %w", args.Name, r.Name, err)
		}
		out = append(out, CanaryApp{
			Revision: r,
			// From the name the program gives it, not the app's output, so
			// that MODELS is known when a preview adds a canary and the
			// policy pack judges it then; the router waits for App.
			InternalURL: pulumi.Sprintf("https://%s.internal.%s", name, args.EnvironmentDomain),
			Image:       image.ToStringOutput(),
			App:         a,
		})
	}
	return out, nil
}
