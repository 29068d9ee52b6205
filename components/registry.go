package components

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2"
	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ImageSpec is one image the stack runs: built from a Dockerfile of this
// repository and pushed to the stack's registry, or taken as it is.
type ImageSpec struct {
	// Repository is the image's repository in the registry, e.g. "router".
	Repository string
	// Context and Dockerfile locate the build (paths relative to the program).
	Context    string
	Dockerfile string
	// Prebuilt, when set, is used as is and nothing is built.
	Prebuilt string
}

// RegistryArgs configures the registry tier.
type RegistryArgs struct {
	Placement
	// AdminUser turns on the registry's admin user so this program can push
	// with its credentials; off, pushes use the deployer's `az acr login`.
	AdminUser bool
	// Images to build and push, or to pass through when prebuilt.
	Images []ImageSpec
	// PrivateLink, when set, makes the registry Premium (private endpoints
	// need it: azure-docs container-registry/container-registry-private-link.md),
	// turns public network access off and gives it a private endpoint there.
	// Pushes then reach the registry only from inside the network, so the
	// images are built after the endpoint's DNS record and its zone's link
	// exist, by a `pulumi up` that runs inside the network (README, network
	// isolation).
	PrivateLink *PrivateLink
}

// Registry is the Azure Container Registry the apps and the Batch pool pull
// from with their managed identities, and the images the stack builds.
type Registry struct {
	pulumi.ResourceState

	// RegistryID is the registry's resource id, the scope of AcrPull.
	RegistryID pulumi.StringOutput `pulumi:"registryId"`
	// RegistryName is the registry's name, what `az acr login -n` takes.
	RegistryName pulumi.StringOutput `pulumi:"registryName"`
	// LoginServer is the registry's host, e.g. crgpuorchdev1a2b3c.azurecr.io.
	LoginServer pulumi.StringOutput `pulumi:"loginServer"`
	// ImageRefs maps each ImageSpec.Repository to the reference apps run:
	// the pushed image's digest (so a new build rolls a new revision), or
	// the prebuilt reference.
	ImageRefs map[string]pulumi.StringOutput `pulumi:"-"`
	// Endpoints are the private endpoint's DNS record and its zone's link to
	// the network (none without PrivateLink): whatever pulls must depend on
	// them.
	Endpoints []pulumi.Resource `pulumi:"-"`
}

// RegistrySKU is the registry's tier: Standard, or Premium where private
// endpoints need it.
func RegistrySKU(private bool) string {
	if private {
		return "Premium"
	}
	return "Standard"
}

// NewRegistry declares the registry and builds the images.
func NewRegistry(ctx *pulumi.Context, name string, args *RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	comp := &Registry{ImageRefs: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("gpu-orchestration:registry:Registry", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)

	registry, err := containerregistry.NewRegistry(ctx, name+"-cr", &containerregistry.RegistryArgs{
		RegistryName:        pulumi.String(args.Naming.Global("cr")),
		ResourceGroupName:   args.ResourceGroupName,
		Location:            args.Location,
		Sku:                 &containerregistry.SkuArgs{Name: pulumi.String(RegistrySKU(args.PrivateLink != nil))},
		AdminUserEnabled:    pulumi.Bool(args.AdminUser),
		PublicNetworkAccess: pulumi.String(publicAccess(args.PrivateLink)),
		Tags:                args.Tags,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("container registry: %w", err)
	}
	pushAfter := []pulumi.ResourceOption{child}
	if args.PrivateLink != nil {
		resolved, err := privateEndpoint(ctx, name, args.Placement, args.PrivateLink, registry.ID(), GroupRegistry, child)
		if err != nil {
			return nil, err
		}
		comp.Endpoints = withNew(comp.Endpoints, resolved...)
		pushAfter = append(pushAfter, pulumi.DependsOn(comp.Endpoints))
	}

	var push *docker.RegistryArgs
	if args.AdminUser {
		creds := containerregistry.ListRegistryCredentialsOutput(ctx, containerregistry.ListRegistryCredentialsOutputArgs{
			RegistryName:      registry.Name,
			ResourceGroupName: args.ResourceGroupName,
		}, pulumi.Parent(comp))
		push = &docker.RegistryArgs{
			Server:   registry.LoginServer,
			Username: pulumi.ToSecret(creds.Username().Elem()).(pulumi.StringOutput),
			Password: pulumi.ToSecret(creds.Passwords().Index(pulumi.Int(0)).Value().Elem()).(pulumi.StringOutput),
		}
	} else {
		// Credentials come from the deployer's docker login (az acr login).
		push = &docker.RegistryArgs{Server: registry.LoginServer}
	}

	for _, img := range args.Images {
		if img.Prebuilt != "" {
			comp.ImageRefs[img.Repository] = pulumi.String(img.Prebuilt).ToStringOutput()
			continue
		}
		built, err := docker.NewImage(ctx, name+"-"+img.Repository, &docker.ImageArgs{
			ImageName: pulumi.Sprintf("%s/%s:latest", registry.LoginServer, img.Repository),
			Build: &docker.DockerBuildArgs{
				Context:    pulumi.String(img.Context),
				Dockerfile: pulumi.String(img.Dockerfile),
				Platform:   pulumi.String("linux/amd64"),
			},
			Registry: push,
		}, pushAfter...)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", img.Repository, err)
		}
		comp.ImageRefs[img.Repository] = built.RepoDigest
	}

	comp.RegistryID = registry.ID().ToStringOutput()
	comp.RegistryName = registry.Name
	comp.LoginServer = registry.LoginServer
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"registryId":   comp.RegistryID,
		"registryName": comp.RegistryName,
		"loginServer":  comp.LoginServer,
	})
}
