package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

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

	key, err := newAPIKey(ctx, name, parent)
	if err != nil {
		return nil, err
	}
	settings := routingSettings(args)
	settings[router.SecretAPIKeyHashes] = key.hash

	vault, err := NewVault(ctx, name+"-vault", &VaultArgs{
		Placement:   base.lasting,
		Retain:      args.RetainData,
		TenantID:    args.TenantID,
		KeyVault:    args.KeyVault,
		Settings:    settings,
		PrivateLink: base.network.link(),
	}, parent)
	if err != nil {
		return nil, err
	}

	store, err := NewStorage(ctx, name+"-storage", &StorageArgs{
		Placement:            base.lasting,
		Retain:               args.RetainData,
		PayloadRetentionDays: args.PayloadRetentionDays,
		PrivateLink:          base.network.link(),
	}, parent)
	if err != nil {
		return nil, err
	}

	registry, err := NewRegistry(ctx, name+"-registry", &RegistryArgs{
		Placement: base.place,
		AdminUser: args.Registry.AdminUser,
		Images: []ImageSpec{
			{Repository: RefModelRepository, Context: ".", Dockerfile: "refmodel/Dockerfile", Prebuilt: args.Inference.Image},
			{Repository: RouterRepository, Context: ".", Dockerfile: "router/Dockerfile", Prebuilt: args.Router.Image},
		},
		PrivateLink: base.network.link(),
	}, parent)
	if err != nil {
		return nil, err
	}
	return &keptTiers{observability: obs, apiKey: key, vault: vault, storage: store, registry: registry}, nil
}
