package components

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// foundation is where every tier goes: the resource group, the names and
// tags, and with network isolation the network whose endpoints the kept
// tiers get.
type foundation struct {
	resourceGroupName, resourceGroupID pulumi.StringOutput
	// place names resources after the stack; lasting adds a random suffix
	// per deployment, for the names Azure holds after their resource is gone
	// (Key Vault, storage).
	place, lasting Placement
	// network is nil without network isolation.
	network *Network
}

// newFoundation declares the resource group (unless the stack deploys into
// an existing one), the names' random suffix and the network.
func newFoundation(ctx *pulumi.Context, name string, args *PlatformArgs, parent pulumi.ResourceOption) (*foundation, error) {
	tags := StackTags(args.Project, args.Stack, args.ExtraTags)
	location := pulumi.String(args.Location)
	group, err := newResourceGroup(ctx, name, args.Stack, args.ResourceGroupName, args.SubscriptionID, location, tags, parent)
	if err != nil {
		return nil, err
	}
	naming := NewNaming(args.Stack, args.SubscriptionID, group.azureName)

	f := &foundation{resourceGroupName: group.name, resourceGroupID: group.id}

	// Key Vault and storage names carry a random suffix per deployment:
	// after `pulumi destroy`, purge protection holds a vault's name for its
	// retention period and RetainData keeps both, so the stack's next
	// deployment needs new names. The keepers never change for a stack;
	// they make the suffix differ between stacks and resource groups.
	suffix, err := random.NewRandomString(ctx, name+"-name-suffix", &random.RandomStringArgs{
		Length:  pulumi.Int(6),
		Upper:   pulumi.Bool(false),
		Special: pulumi.Bool(false),
		Keepers: pulumi.StringMap{
			"subscription":  pulumi.String(args.SubscriptionID),
			"resourceGroup": pulumi.String(group.azureName),
			"stack":         pulumi.String(args.Stack),
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("name suffix: %w", err)
	}
	f.place = Placement{ResourceGroupName: f.resourceGroupName, Location: location, Tags: tags, Naming: naming}
	f.lasting = Placement{ResourceGroupName: f.resourceGroupName, Location: location, Tags: tags, Naming: naming.WithSuffix(suffix.Result)}

	// With network isolation the kept tiers sit behind private endpoints in
	// this network, and their consumers start after them.
	if f.network, err = newNetworkIfIsolated(ctx, name, args.Network, args.Location, f.place, parent); err != nil {
		return nil, err
	}
	return f, nil
}

// resourceGroup is where a stack's resources go.
type resourceGroup struct {
	// azureName is the group's name, known before deployment.
	azureName string
	name, id  pulumi.StringOutput
}

// newResourceGroup declares the stack's resource group, rg-gpuorch-<stack>,
// unless the stack deploys into an existing one (configured is not
// config.ResourceGroupCreate), which it only names.
func newResourceGroup(ctx *pulumi.Context, name, stack, configured, subscriptionID string, location pulumi.StringInput, tags pulumi.StringMap, parent pulumi.ResourceOption) (*resourceGroup, error) {
	if configured != config.ResourceGroupCreate {
		// An existing group: its id follows from subscription and name.
		return &resourceGroup{azureName: configured, name: pulumi.String(configured).ToStringOutput(),
			id: pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s", subscriptionID, configured)}, nil
	}
	azureName := "rg-gpuorch-" + config.StackPart(stack)
	rg, err := resources.NewResourceGroup(ctx, name+"-rg", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(azureName),
		Location:          location,
		Tags:              tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("resource group: %w", err)
	}
	return &resourceGroup{azureName: azureName, name: rg.Name, id: rg.ID().ToStringOutput()}, nil
}
