package components

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// PlatformArgs configures the whole platform.
type PlatformArgs struct {
	// Config is the validated stack configuration.
	Config *config.Config
	// Project is the Pulumi project name, used in tags.
	Project string
	// SubscriptionID and TenantID come from the deploying identity.
	SubscriptionID string
	TenantID       string
	// BudgetStartDate is the budget's first day (YYYY-MM-01).
	BudgetStartDate string
}

// Platform composes the tiers in the order data flows through them:
// resource group, observability, settings, storage, registry, the
// inference app on serverless GPUs and the Batch spot pool, with the
// identities they run as and the roles those identities hold.
type Platform struct {
	pulumi.ResourceState

	ResourceGroupName pulumi.StringOutput `pulumi:"resourceGroupName"`
	Observability     *Observability      `pulumi:"-"`
	Vault             *Vault              `pulumi:"-"`
	Storage           *Storage            `pulumi:"-"`
	Registry          *Registry           `pulumi:"-"`
	Inference         *Inference          `pulumi:"-"`
	Batch             *Batch              `pulumi:"-"`
}

// Repository names in the stack's registry.
const (
	RefModelRepository = "refmodel"
)

// NewPlatform declares every tier of the stack.
func NewPlatform(ctx *pulumi.Context, name string, args *PlatformArgs, opts ...pulumi.ResourceOption) (*Platform, error) {
	comp := &Platform{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:platform:Platform", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)
	cfg := args.Config
	tags := StackTags(args.Project, cfg.Stack, cfg.ExtraTags)

	rgName := cfg.ResourceGroupName
	if rgName == config.ResourceGroupCreate {
		rgName = "rg-gpuorch-" + sanitizeStack(cfg.Stack)
	}
	naming := NewNaming(cfg.Stack, args.SubscriptionID, rgName)
	location := pulumi.String(cfg.Location)

	var rgNameOut pulumi.StringOutput
	var rgID pulumi.StringOutput
	if cfg.ResourceGroupName == config.ResourceGroupCreate {
		rg, err := resources.NewResourceGroup(ctx, name+"-rg", &resources.ResourceGroupArgs{
			ResourceGroupName: pulumi.String(rgName),
			Location:          location,
			Tags:              tags,
		}, child)
		if err != nil {
			return nil, fmt.Errorf("resource group: %w", err)
		}
		rgNameOut, rgID = rg.Name, rg.ID().ToStringOutput()
	} else {
		// An existing group: its id follows from subscription and name.
		rgNameOut = pulumi.String(rgName).ToStringOutput()
		rgID = pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s", args.SubscriptionID, rgName)
	}

	obs, err := NewObservability(ctx, name+"-observability", &ObservabilityArgs{
		ResourceGroupName: rgNameOut,
		ResourceGroupID:   rgID,
		Location:          location,
		Tags:              tags,
		Naming:            naming,
		RetentionDays:     cfg.LogRetentionDays,
		AlertEmails:       cfg.AlertEmails,
		MonthlyBudget:     cfg.MonthlyBudget,
		BudgetStartDate:   args.BudgetStartDate,
	}, child)
	if err != nil {
		return nil, err
	}

	vault, err := NewVault(ctx, name+"-vault", &VaultArgs{
		ResourceGroupName:       rgNameOut,
		Location:                location,
		Tags:                    tags,
		Naming:                  naming,
		TenantID:                args.TenantID,
		PurgeProtection:         cfg.KeyVaultPurgeProtection,
		SoftDeleteRetentionDays: cfg.KeyVaultSoftDeleteDays,
		Settings:                routingSettings(cfg),
	}, child)
	if err != nil {
		return nil, err
	}

	store, err := NewStorage(ctx, name+"-storage", &StorageArgs{
		ResourceGroupName:    rgNameOut,
		Location:             location,
		Tags:                 tags,
		Naming:               naming,
		PayloadRetentionDays: cfg.PayloadRetentionDays,
	}, child)
	if err != nil {
		return nil, err
	}

	registry, err := NewRegistry(ctx, name+"-registry", &RegistryArgs{
		ResourceGroupName: rgNameOut,
		Location:          location,
		Tags:              tags,
		Naming:            naming,
		AdminUser:         cfg.Registry.AdminUser,
		Images: []ImageSpec{
			{Repository: RefModelRepository, Context: ".", Dockerfile: "refmodel/Dockerfile", Prebuilt: cfg.Inference.Image},
		},
	}, child)
	if err != nil {
		return nil, err
	}
	inferenceImage := registry.ImageRefs[RefModelRepository]

	ids, err := newIdentities(ctx, name, naming, rgNameOut, location, tags, child)
	if err != nil {
		return nil, err
	}

	inference, err := NewInference(ctx, name+"-inference", &InferenceArgs{
		ResourceGroupName: rgNameOut,
		Location:          location,
		Tags:              tags,
		Naming:            naming,
		WorkspaceID:       obs.WorkspaceID,
		GPU:               cfg.GPU,
		App:               cfg.Inference,
		Image:             inferenceImage,
		RegistryServer:    registry.LoginServer,
		PullIdentityID:    ids.inference.ID().ToStringOutput(),
	}, child)
	if err != nil {
		return nil, err
	}

	bat, err := NewBatch(ctx, name+"-batch", &BatchArgs{
		ResourceGroupName: rgNameOut,
		Location:          location,
		Tags:              tags,
		Naming:            naming,
		StorageAccountID:  store.AccountID,
		AccountIdentityID: ids.batchAccount.ID().ToStringOutput(),
		PoolIdentityID:    ids.pool.ID().ToStringOutput(),
		VMSize:            cfg.Batch.VMSize,
		MaxNodes:          cfg.Batch.MaxNodes,
		Spot:              cfg.Batch.Spot,
		Image:             inferenceImage,
		RegistryServer:    registry.LoginServer,
	}, child)
	if err != nil {
		return nil, err
	}

	// Each identity holds only what its workload does, at the narrowest scope.
	grants := []grant{
		{"inference-acrpull-registry", ids.inference.PrincipalId, RoleAcrPull, registry.RegistryID},
		{"pool-acrpull-registry", ids.pool.PrincipalId, RoleAcrPull, registry.RegistryID},
		{"pool-blob-requests", ids.pool.PrincipalId, RoleStorageBlobDataContributor, store.RequestContainerID},
		{"pool-blob-results", ids.pool.PrincipalId, RoleStorageBlobDataContributor, store.ResultContainerID},
		// Auto-storage with BatchAccountManagedIdentity needs the account's
		// identity to hold blob data access on the storage account
		// (azure-docs batch/managed-identity-pools.md, auto-storage).
		{"batch-blob-account", ids.batchAccount.PrincipalId, RoleStorageBlobDataContributor, store.AccountID},
	}
	if err := assignRoles(ctx, cfg.Stack, args.SubscriptionID, grants, child); err != nil {
		return nil, err
	}

	comp.ResourceGroupName = rgNameOut
	comp.Observability, comp.Vault, comp.Storage = obs, vault, store
	comp.Registry, comp.Inference, comp.Batch = registry, inference, bat
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"resourceGroupName": rgNameOut})
}

// routingSettings are the Key Vault secrets the router reads, under the
// recipe's names.
func routingSettings(cfg *config.Config) map[string]pulumi.StringInput {
	return map[string]pulumi.StringInput{
		"realtime-threshold-ms": pulumi.String(strconv.Itoa(cfg.Routing.RealtimeThresholdMs)),
		"batch-cost-threshold":  pulumi.String(strconv.FormatFloat(cfg.Routing.BatchCostThreshold, 'f', -1, 64)),
		"max-aca-replicas":      pulumi.String(strconv.Itoa(cfg.Inference.MaxReplicas)),
		"max-batch-nodes":       pulumi.String(strconv.Itoa(cfg.Batch.MaxNodes)),
		"model-version":         pulumi.String(cfg.Routing.ModelVersion),
		"gpu-memory-limit":      pulumi.String(cfg.Routing.GPUMemoryLimit),
	}
}
