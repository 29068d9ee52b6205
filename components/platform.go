package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// PlatformArgs declares the whole platform: the stack's configuration, in
// the groups components/config parses and validates, and what the deploying
// identity adds. Each tier takes its group from Config as it is; a program
// other than this stack fills Config itself (config.Parse is how the stack
// does it).
type PlatformArgs struct {
	config.Config
	// Project names the deployment in tags.
	Project string
	// SubscriptionID and TenantID come from the deploying identity.
	SubscriptionID, TenantID string
	// Membership, when the stack sits behind a global stack, is what the
	// global stack tells it; nil for a region on its own.
	Membership *Membership
}

// Platform composes the tiers in the order data flows through them:
// resource group, observability, settings, storage, registry, the models
// on serverless GPUs and the Batch spot pools, with the identities they
// run as and the roles those identities hold.
type Platform struct {
	pulumi.ResourceState

	ResourceGroupName pulumi.StringOutput `pulumi:"resourceGroupName"`
	Network           *Network            `pulumi:"-"` // nil without network isolation
	Observability     *Observability      `pulumi:"-"`
	Vault             *Vault              `pulumi:"-"`
	Storage           *Storage            `pulumi:"-"`
	Registry          *Registry           `pulumi:"-"`
	Inference         *Inference          `pulumi:"-"`
	// Models are the model deployments, in the stack's order; the first is
	// the default model.
	Models    []*ModelDeployment `pulumi:"-"`
	Batch     *Batch             `pulumi:"-"`
	Router    *Router            `pulumi:"-"`
	Alerts    *Alerts            `pulumi:"-"`
	Dashboard *Dashboard         `pulumi:"-"`
	// APIKey is the router's generated API key (secret).
	APIKey pulumi.StringOutput `pulumi:"-"`
}

// NewPlatform declares every tier of the stack, in four groups that each
// take what the ones before them made: where everything goes (resource
// group, names, network), what the platform keeps (logs and budget,
// settings, queues and payloads, images), what runs (the models' apps, the
// Batch pools and the router, each as its own identity after its grants), and
// what operators watch (alerts, workbook).
func NewPlatform(ctx *pulumi.Context, name string, args *PlatformArgs, opts ...pulumi.ResourceOption) (*Platform, error) {
	comp := &Platform{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:platform:Platform", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)

	base, err := newFoundation(ctx, name, args, child)
	if err != nil {
		return nil, err
	}
	kept, err := newKeptTiers(ctx, name, args, base, child)
	if err != nil {
		return nil, err
	}
	run, err := newWorkloads(ctx, name, comp, args, base, kept, child)
	if err != nil {
		return nil, err
	}
	watch, err := newOperations(ctx, name, args, base, kept, run, child)
	if err != nil {
		return nil, err
	}

	comp.ResourceGroupName, comp.Network = base.resourceGroupName, base.network
	comp.Observability, comp.Vault, comp.Storage, comp.Registry = kept.observability, kept.vault, kept.storage, kept.registry
	comp.APIKey = kept.apiKey.key
	comp.Inference, comp.Models, comp.Batch, comp.Router = run.inference, run.models, run.batch, run.router
	comp.Alerts, comp.Dashboard = watch.alerts, watch.dashboard
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"resourceGroupName": base.resourceGroupName})
}

// concat joins resource lists for DependsOn.
func concat(lists ...[]pulumi.Resource) []pulumi.Resource {
	var out []pulumi.Resource
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
