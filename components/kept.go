package components

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Repository names in the stack's registry.
const (
	RefModelRepository = "refmodel"
	RouterRepository   = "router"
)

// keptTiers are what the platform keeps for its workloads: logs and the
// budget, the router's settings and API key hash in Key Vault, queues,
// payloads and results in storage, and the images in the registry.
type keptTiers struct {
	observability *Observability
	apiKey        *apiKey
	vault         *Vault
	storage       *Storage
	registry      *Registry
}

// newKeptTiers declares them, each behind its private endpoints when the
// foundation has a network.
func newKeptTiers(ctx *pulumi.Context, name string, args *PlatformArgs, base *foundation, parent pulumi.ResourceOption) (*keptTiers, error) {
	obs, err := NewObservability(ctx, name+"-observability", &ObservabilityArgs{
		Placement:       base.place,
		ResourceGroupID: base.resourceGroupID,
		Monitoring:      args.Monitoring,
	}, parent)
	if err != nil {
		return nil, err
	}

	key, err := routerKey(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	settings := routingSettings(args)
	settings[router.SecretAPIKeyHashes] = key.hash

	vault, err := NewVault(ctx, name+"-vault", &VaultArgs{
		Placement:     base.lasting,
		Retain:        args.RetainData,
		TenantID:      args.TenantID,
		KeyVault:      args.KeyVault,
		Settings:      settings,
		RouterWritten: rolloutSecrets(args.Models),
		PrivateLink:   base.network.link(),
	}, parent)
	if err != nil {
		return nil, err
	}

	store, err := NewStorage(ctx, name+"-storage", &StorageArgs{
		Placement:            base.lasting,
		Retain:               args.RetainData,
		PayloadRetentionDays: args.PayloadRetentionDays,
		Redundancy:           args.StorageRedundancy,
		PrivateLink:          base.network.link(),
	}, parent)
	if err != nil {
		return nil, err
	}

	registry, err := NewRegistry(ctx, name+"-registry", &RegistryArgs{
		Placement:   base.place,
		AdminUser:   args.Registry.AdminUser,
		Images:      images(args),
		PrivateLink: base.network.link(),
	}, parent)
	if err != nil {
		return nil, err
	}
	return &keptTiers{observability: obs, apiKey: key, vault: vault, storage: store, registry: registry}, nil
}

// routerKey is the key the router accepts: the region's own, generated
// here, or, behind a global stack, the deployment's, which every region
// accepts.
func routerKey(ctx *pulumi.Context, name string, args *PlatformArgs, parent pulumi.ResourceOption) (*apiKey, error) {
	if m := args.Membership; m != nil {
		return &apiKey{key: m.APIKey, hash: m.APIKeyHash}, nil
	}
	return newAPIKey(ctx, name, parent)
}

// images are what the stack builds or takes as given: the reference model
// when a model names no image of its own (its revisions' default to it),
// and the router.
func images(args *PlatformArgs) []ImageSpec {
	var out []ImageSpec
	if slices.ContainsFunc(args.Models, func(m config.Model) bool { return m.App.Image == "" }) {
		out = append(out, ImageSpec{Repository: RefModelRepository, Context: ".", Dockerfile: "refmodel/Dockerfile"})
	}
	return append(out, ImageSpec{Repository: RouterRepository, Context: ".", Dockerfile: "router/Dockerfile", Prebuilt: args.Router.Image})
}

// imageRef is the image an app and its Batch tasks run: image when the
// model or revision names one, else the reference model the registry built.
func imageRef(image string, registry *Registry) pulumi.StringOutput {
	if image != "" {
		return pulumi.String(image).ToStringOutput()
	}
	return registry.ImageRefs[RefModelRepository]
}
