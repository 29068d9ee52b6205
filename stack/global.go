package stack

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// globalProgram is the global stack (stackKind: global): it reads each
// regional stack's location and router through a StackReference and
// declares the front door before them. Its outputs are what callers and
// the regional stacks behind it use.
func globalProgram(ctx *pulumi.Context, cfg *config.Config, subscriptionID string) (pulumi.Map, error) {
	var regions []components.RegionalStack
	for _, name := range cfg.Deployment.RegionStacks {
		ref, err := pulumi.NewStackReference(ctx, name, &pulumi.StackReferenceArgs{Name: pulumi.String(name)})
		if err != nil {
			return nil, fmt.Errorf("reading the regional stack %s: %w", name, err)
		}
		regions = append(regions, components.RegionalStack{
			Stack:     name,
			Region:    stackOutput(ref, name, "location"),
			RouterURL: stackOutput(ref, name, "routerUrl"),
		})
	}
	entry, err := components.NewGlobalEntry(ctx, "gpuorch", &components.GlobalEntryArgs{
		Config:         *cfg,
		Project:        ctx.Project(),
		SubscriptionID: subscriptionID,
		Regions:        regions,
	})
	if err != nil {
		return nil, err
	}
	return pulumi.Map{
		// endpointUrl is the deployment's address for callers.
		"endpointUrl":       entry.FrontDoor.URL,
		"frontDoorId":       entry.FrontDoor.FrontDoorID,
		"profileName":       entry.FrontDoor.ProfileName,
		"resourceGroupName": entry.ResourceGroupName,
		"actionGroupId":     entry.Observability.ActionGroupID,
		// regions, frontDoorId and the key's hash are what the regional
		// stacks behind it read (globalStack).
		"regions":      entry.Routers,
		"apiKey":       entry.APIKey,
		"apiKeySha256": pulumi.ToSecret(entry.APIKeyHash),
	}, nil
}
