package components

import (
	"fmt"
	"maps"
	"net/url"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// NamespaceFrontDoor is the metric namespace of Front Door profiles.
const NamespaceFrontDoor = "Microsoft.Cdn/profiles"

// RegionalStack is one regional stack as the global stack reads it (its
// outputs location and routerUrl).
type RegionalStack struct {
	// Stack is the regional stack's reference name.
	Stack string
	// Region is its location; RouterURL its router's public address.
	Region, RouterURL pulumi.StringOutput
}

// GlobalEntryArgs declares the global stack: the stack's configuration
// (its location places the resource group; its monitoring keys reach the
// on-call; Deployment names the regions to drain and the rate limit), and
// the regional stacks behind it.
type GlobalEntryArgs struct {
	config.Config
	// Project names the deployment in tags.
	Project string
	// SubscriptionID comes from the deploying identity.
	SubscriptionID string
	// Regions are the regional stacks, in Deployment.RegionStacks' order.
	Regions []RegionalStack
}

// GlobalEntry is what the global stack deploys: Azure Front Door before
// every region's router, the workspace, action group and budget of its own
// resource group, an alert when a region leaves the rotation, and the
// deployment's API key, which every regional stack behind it accepts.
type GlobalEntry struct {
	pulumi.ResourceState

	ResourceGroupName pulumi.StringOutput `pulumi:"resourceGroupName"`
	FrontDoor         *FrontDoor          `pulumi:"-"`
	Observability     *Observability      `pulumi:"-"`
	// Routers are the regions' routers behind the front door, each
	// {region, url, stack}: what the regional stacks read their peers from.
	Routers pulumi.ArrayOutput `pulumi:"routers"`
	// APIKey is the deployment's key (secret), APIKeyHash its SHA-256.
	// (Named, not `pulumi:"-"`: the SDK keys a component's output fields
	// by tag, and a second "-" output is never resolved, so the program
	// never ends.)
	APIKey     pulumi.StringOutput `pulumi:"apiKey"`
	APIKeyHash pulumi.StringOutput `pulumi:"apiKeySha256"`
}

// NewGlobalEntry declares the global stack's resources.
func NewGlobalEntry(ctx *pulumi.Context, name string, args *GlobalEntryArgs, opts ...pulumi.ResourceOption) (*GlobalEntry, error) {
	comp := &GlobalEntry{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:global:GlobalEntry", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)

	tags := StackTags(args.Project, args.Stack, args.ExtraTags)
	location := pulumi.String(args.Location)
	group, err := newResourceGroup(ctx, name, args.Stack, args.ResourceGroupName, args.SubscriptionID, location, tags, child)
	if err != nil {
		return nil, err
	}
	place := Placement{ResourceGroupName: group.name, Location: location, Tags: tags,
		Naming: NewNaming(args.Stack, args.SubscriptionID, group.azureName)}

	obs, err := NewObservability(ctx, name+"-observability", &ObservabilityArgs{
		Placement: place, ResourceGroupID: group.id, Monitoring: args.Monitoring,
	}, child)
	if err != nil {
		return nil, err
	}
	key, err := newAPIKey(ctx, name+"-deployment", child)
	if err != nil {
		return nil, err
	}

	routers := checkedRouters(args.Regions, args.Deployment.DrainedRegions)
	var origins []FrontDoorOrigin
	for i, r := range args.Regions {
		router := func(v any) RegionalRouter { return v.([]RegionalRouter)[i] }
		origins = append(origins, FrontDoorOrigin{
			Key:    config.StackName(r.Stack),
			Region: routers.ApplyT(func(v any) string { return router(v).Region }).(pulumi.StringOutput),
			Host: routers.ApplyT(func(v any) string {
				u, _ := url.Parse(router(v).URL) // checked by checkedRouters
				return u.Host
			}).(pulumi.StringOutput),
			Drained: routers.ApplyT(func(v any) bool {
				return slices.Contains(args.Deployment.DrainedRegions, router(v).Region)
			}).(pulumi.BoolOutput),
		})
	}
	door, err := NewFrontDoor(ctx, name+"-frontdoor", &FrontDoorArgs{
		Placement:          place,
		Origins:            origins,
		RateLimitPerMinute: args.Deployment.RateLimitPerMinute,
		WorkspaceID:        obs.WorkspaceID,
	}, child)
	if err != nil {
		return nil, err
	}

	// A region whose probes mostly fail is out of the rotation: its
	// callers go to the next nearest region, and someone should know
	// (README, Disaster recovery). Split by origin, the alert names it; a
	// drained origin is not probed and does not fire.
	if _, err := declareAlerts(ctx, name+"-alerts", place, obs.ActionGroupID, []alertRule{
		{name: "region-unhealthy", description: "A region's router fails most of the front door's health probes: the front door sends its callers to other regions.",
			scope: door.ProfileID, namespace: NamespaceFrontDoor, metric: "OriginHealthPercentage",
			aggregation: "Average", op: "LessThan", threshold: 50, severity: 1, frequency: "PT1M", window: "PT5M",
			dimension: "Origin", dimValue: "*"},
	}, child); err != nil {
		return nil, err
	}

	comp.ResourceGroupName = group.name
	comp.FrontDoor, comp.Observability = door, obs
	comp.Routers = routers.ApplyT(func(v any) []any {
		rs := v.([]RegionalRouter)
		out := make([]any, len(rs))
		for i, r := range rs {
			out[i] = map[string]any{"region": r.Region, "url": r.URL, "stack": r.Stack}
		}
		return out
	}).(pulumi.ArrayOutput)
	comp.APIKey, comp.APIKeyHash = key.key, key.hash
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"resourceGroupName": comp.ResourceGroupName,
		"routers":           comp.Routers,
	})
}

// checkedRouters reads the regional stacks' outputs into one list, failing
// the preview when they cannot make one deployment: two stacks in one
// region (ids and peers are by region), a router that is not an HTTPS
// address, or a drained region that is none of theirs.
func checkedRouters(regions []RegionalStack, drained []string) pulumi.AnyOutput {
	var outs []any
	for _, r := range regions {
		outs = append(outs, r.Region, r.RouterURL)
	}
	return pulumi.All(outs...).ApplyT(func(v []any) ([]RegionalRouter, error) {
		var out []RegionalRouter
		byRegion := map[string]string{}
		for i, r := range regions {
			rr := RegionalRouter{Region: v[2*i].(string), URL: v[2*i+1].(string), Stack: r.Stack}
			if other, dup := byRegion[rr.Region]; dup {
				return nil, fmt.Errorf("%s:regionStacks: %s and %s are both in %s; a deployment has one stack per region", config.Namespace, other, r.Stack, rr.Region)
			}
			byRegion[rr.Region] = r.Stack
			if u, err := url.Parse(rr.URL); err != nil || u.Scheme != "https" || u.Host == "" {
				return nil, fmt.Errorf("%s:regionStacks: %s's routerUrl %q is not an https:// address", config.Namespace, r.Stack, rr.URL)
			}
			out = append(out, rr)
		}
		for _, d := range drained {
			if _, ok := byRegion[d]; !ok {
				return nil, fmt.Errorf("%s:drainedRegions: %q is not a region of the regionStacks (%v)", config.Namespace, d, slices.Sorted(maps.Keys(byRegion)))
			}
		}
		return out, nil
	}).(pulumi.AnyOutput)
}
