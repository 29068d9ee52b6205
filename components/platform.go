package components

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/internal/pricing"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	rc "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// PlatformArgs configures the whole platform with plain values, so the
// platform can be declared by any program, not only by this stack's config
// loader (stack.Program maps the stack's configuration onto it).
type PlatformArgs struct {
	// Project and Stack name the deployment; they go in tags and names.
	Project, Stack string
	// SubscriptionID and TenantID come from the deploying identity.
	SubscriptionID, TenantID string
	// Location is the Azure region of every regional resource.
	Location string
	// ResourceGroupName is an existing group to deploy into; empty creates
	// rg-gpuorch-<stack>.
	ResourceGroupName string
	// Tags are extra tags on every taggable resource (StackTags adds the
	// platform's own).
	Tags map[string]string

	// Monitoring is the workspace, alerts and budget.
	Monitoring MonitoringSettings
	// KeyVault is the settings vault's protection.
	KeyVault KeyVaultSettings
	// PayloadRetentionDays is how long request payloads and results are kept.
	PayloadRetentionDays int
	// RetainData keeps the Key Vault and the storage account (with their
	// secrets, queues and payloads) in Azure when the stack is destroyed.
	RetainData bool
	// RegistryAdminUser lets this program push with the registry's admin user.
	RegistryAdminUser bool
	// InferenceImage and RouterImage, when set, are prebuilt images used as
	// they are; empty builds refmodel/Dockerfile and router/Dockerfile.
	InferenceImage, RouterImage string
	// GPU is the inference app's serverless GPU profile; Inference the app.
	GPU       GPUProfile
	Inference InferenceApp
	// Pool is the Batch GPU pool.
	Pool PoolSettings
	// RouterMaxReplicas bounds the router app.
	RouterMaxReplicas int
	// RouterAllowedOrigins are the browser origins the router's CORS
	// admits; none turns CORS off.
	RouterAllowedOrigins []string
	// Routing is the router's initial routing settings (Key Vault and
	// environment).
	Routing RoutingSettings
	// Network is the stack's network isolation.
	Network NetworkSettings
}

// NetworkSettings say whether the data plane sits behind private endpoints
// in a virtual network of the given IPv4 address space (/16 to /22).
type NetworkSettings struct {
	Isolation    bool
	AddressSpace string
}

// MonitoringSettings configure the observability tier and the alerts.
type MonitoringSettings struct {
	// LogRetentionDays of the workspace (30 to 730).
	LogRetentionDays int
	// AlertEmails receive alerts and budget notifications.
	AlertEmails []string
	// MonthlyBudget of the resource group, from BudgetStartDate (YYYY-MM-01).
	MonthlyBudget   int
	BudgetStartDate string
	// QueueDepthAlert is the work-queue depth that pages someone.
	QueueDepthAlert int
}

// KeyVaultSettings configure the vault's deletion protection.
type KeyVaultSettings struct {
	PurgeProtection bool
	SoftDeleteDays  int
}

// PoolSettings configure the Batch pool and what it runs.
type PoolSettings struct {
	VMSize   string
	MaxNodes int
	Spot     bool
	// Command is the inference image's batch command.
	Command string
	// API is the line format Command reads and writes: "reference" or
	// "openai" (router/config.InferenceAPIs).
	API string
}

// RoutingSettings are the router's routing figures the platform deploys:
// the recipe's Key Vault settings and the environment's tunables.
type RoutingSettings struct {
	RealtimeThresholdMs int
	BatchCostThreshold  float64
	ColdStartSeconds    int
	ModelVersion        string
	GPUMemoryLimit      string
	MaxBodyBytes        int
}

// Platform composes the tiers in the order data flows through them:
// resource group, observability, settings, storage, registry, the
// inference app on serverless GPUs and the Batch spot pool, with the
// identities they run as and the roles those identities hold.
type Platform struct {
	pulumi.ResourceState

	ResourceGroupName pulumi.StringOutput `pulumi:"resourceGroupName"`
	Network           *Network            `pulumi:"-"` // nil without network isolation
	Observability     *Observability      `pulumi:"-"`
	Vault             *Vault              `pulumi:"-"`
	Storage           *Storage            `pulumi:"-"`
	Registry          *Registry           `pulumi:"-"`
	Inference         *Inference          `pulumi:"-"`
	Batch             *Batch              `pulumi:"-"`
	Router            *Router             `pulumi:"-"`
	Alerts            *Alerts             `pulumi:"-"`
	Dashboard         *Dashboard          `pulumi:"-"`
	// APIKey is the router's generated API key (secret).
	APIKey pulumi.StringOutput `pulumi:"-"`
}

// Repository names in the stack's registry.
const (
	RefModelRepository = "refmodel"
	RouterRepository   = "router"
)

// NewPlatform declares every tier of the stack.
func NewPlatform(ctx *pulumi.Context, name string, args *PlatformArgs, opts ...pulumi.ResourceOption) (*Platform, error) {
	comp := &Platform{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:platform:Platform", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)
	tags := StackTags(args.Project, args.Stack, args.Tags)

	create := args.ResourceGroupName == ""
	rgName := args.ResourceGroupName
	if create {
		rgName = "rg-gpuorch-" + StackPart(args.Stack)
	}
	naming := NewNaming(args.Stack, args.SubscriptionID, rgName)
	location := pulumi.String(args.Location)

	var rgNameOut pulumi.StringOutput
	var rgID pulumi.StringOutput
	if create {
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
			"resourceGroup": pulumi.String(rgName),
			"stack":         pulumi.String(args.Stack),
		},
	}, child)
	if err != nil {
		return nil, fmt.Errorf("name suffix: %w", err)
	}
	lasting := Placement{ResourceGroupName: rgNameOut, Location: location, Tags: tags, Naming: naming.WithSuffix(suffix.Result)}
	place := Placement{ResourceGroupName: rgNameOut, Location: location, Tags: tags, Naming: naming}

	// With network isolation the data-plane tiers sit behind private
	// endpoints in this network, and their consumers start after them.
	net, err := newNetworkIfIsolated(ctx, name, args.Network, place, child)
	if err != nil {
		return nil, err
	}

	obs, err := NewObservability(ctx, name+"-observability", &ObservabilityArgs{
		Placement:       place,
		ResourceGroupID: rgID,
		RetentionDays:   args.Monitoring.LogRetentionDays,
		AlertEmails:     args.Monitoring.AlertEmails,
		MonthlyBudget:   args.Monitoring.MonthlyBudget,
		BudgetStartDate: args.Monitoring.BudgetStartDate,
	}, child)
	if err != nil {
		return nil, err
	}

	key, err := newAPIKey(ctx, name, child)
	if err != nil {
		return nil, err
	}
	settings := routingSettings(args)
	settings[router.SecretAPIKeyHashes] = key.hash

	vault, err := NewVault(ctx, name+"-vault", &VaultArgs{
		Placement:               lasting,
		Retain:                  args.RetainData,
		TenantID:                args.TenantID,
		PurgeProtection:         args.KeyVault.PurgeProtection,
		SoftDeleteRetentionDays: args.KeyVault.SoftDeleteDays,
		Settings:                settings,
		PrivateLink:             net.link(),
	}, child)
	if err != nil {
		return nil, err
	}

	store, err := NewStorage(ctx, name+"-storage", &StorageArgs{
		Placement:            lasting,
		Retain:               args.RetainData,
		PayloadRetentionDays: args.PayloadRetentionDays,
		PrivateLink:          net.link(),
	}, child)
	if err != nil {
		return nil, err
	}

	registry, err := NewRegistry(ctx, name+"-registry", &RegistryArgs{
		Placement: place,
		AdminUser: args.RegistryAdminUser,
		Images: []ImageSpec{
			{Repository: RefModelRepository, Context: ".", Dockerfile: "refmodel/Dockerfile", Prebuilt: args.InferenceImage},
			{Repository: RouterRepository, Context: ".", Dockerfile: "router/Dockerfile", Prebuilt: args.RouterImage},
		},
		PrivateLink: net.link(),
	}, child)
	if err != nil {
		return nil, err
	}
	inferenceImage := registry.ImageRefs[RefModelRepository]

	ids, err := newIdentities(ctx, name, naming, rgNameOut, location, tags, child)
	if err != nil {
		return nil, err
	}

	// Each identity holds only what its workload does, at the narrowest
	// scope, and every workload is declared after its grants: a Container App
	// created before its AcrPull applies cannot pull its image, a router
	// before its Key Vault grant cannot read its settings (README,
	// "Role assignments and the first deployment").
	inferenceGrants, err := assignRoles(ctx, args.SubscriptionID, []grant{
		{"inference-acrpull-registry", ids.inference.PrincipalId, RoleAcrPull, registry.RegistryID},
	}, child)
	if err != nil {
		return nil, err
	}
	inference, err := NewInference(ctx, name+"-inference", &InferenceArgs{
		Placement:      place,
		WorkspaceID:    obs.WorkspaceID,
		GPU:            args.GPU,
		App:            args.Inference,
		Image:          inferenceImage,
		RegistryServer: registry.LoginServer,
		PullIdentityID: ids.inference.ID().ToStringOutput(),
		SubnetID:       net.subnet(SubnetContainerApps),
		AppDependsOn:   registry.Endpoints,
	}, child, pulumi.DependsOn(inferenceGrants))
	if err != nil {
		return nil, err
	}

	batchGrants, err := assignRoles(ctx, args.SubscriptionID, []grant{
		{"pool-acrpull-registry", ids.pool.PrincipalId, RoleAcrPull, registry.RegistryID},
		{"pool-blob-requests", ids.pool.PrincipalId, RoleStorageBlobDataContributor, store.RequestContainerID},
		{"pool-blob-results", ids.pool.PrincipalId, RoleStorageBlobDataContributor, store.ResultContainerID},
		// Auto-storage with BatchAccountManagedIdentity needs the account's
		// identity to hold blob data access on the storage account
		// (azure-docs batch/managed-identity-pools.md, auto-storage).
		{"batch-blob-account", ids.batchAccount.PrincipalId, RoleStorageBlobDataContributor, store.AccountID},
	}, child)
	if err != nil {
		return nil, err
	}
	bat, err := NewBatch(ctx, name+"-batch", &BatchArgs{
		Placement:         place,
		StorageAccountID:  store.AccountID,
		AccountIdentityID: ids.batchAccount.ID().ToStringOutput(),
		PoolIdentityID:    ids.pool.ID().ToStringOutput(),
		VMSize:            args.Pool.VMSize,
		MaxNodes:          args.Pool.MaxNodes,
		Spot:              args.Pool.Spot,
		RegistryServer:    registry.LoginServer,
		PrivateLink:       net.link(),
		PoolSubnetID:      net.subnet(SubnetBatchPool),
		PoolDependsOn:     concat(registry.Endpoints, store.Endpoints),
	}, child, pulumi.DependsOn(batchGrants))
	if err != nil {
		return nil, err
	}

	routerGrants, err := assignRoles(ctx, args.SubscriptionID, []grant{
		{"router-secrets-vault", ids.router.PrincipalId, RoleKeyVaultSecretsUser, vault.VaultID},
		{"router-queue-work", ids.router.PrincipalId, RoleStorageQueueDataContributor, store.WorkQueueID},
		{"router-queue-poison", ids.router.PrincipalId, RoleStorageQueueDataContributor, store.PoisonQueueID},
		{"router-blob-requests", ids.router.PrincipalId, RoleStorageBlobDataContributor, store.RequestContainerID},
		{"router-blob-results", ids.router.PrincipalId, RoleStorageBlobDataContributor, store.ResultContainerID},
		{"router-jobs-batch", ids.router.PrincipalId, RoleBatchJobSubmitter, bat.AccountID},
		{"router-acrpull-registry", ids.router.PrincipalId, RoleAcrPull, registry.RegistryID},
	}, child)
	if err != nil {
		return nil, err
	}
	rt, err := NewRouter(ctx, name+"-router", &RouterArgs{
		Placement:         place,
		EnvironmentID:     inference.EnvironmentID,
		EnvironmentDomain: inference.EnvironmentDomain,
		Image:             registry.ImageRefs[RouterRepository],
		RegistryServer:    registry.LoginServer,
		IdentityID:        ids.router.ID().ToStringOutput(),
		MaxReplicas:       args.RouterMaxReplicas,
		Env:               routerEnv(args, ids, vault, store, inference, bat, inferenceImage),
		DependsOn:         concat(registry.Endpoints, vault.Endpoints, store.Endpoints, bat.Endpoints),
		// The vault component: its secrets (settings, key hash) exist first.
	}, child, pulumi.DependsOn(append(routerGrants, vault)))
	if err != nil {
		return nil, err
	}

	alerts, err := NewAlerts(ctx, name+"-alerts", &AlertsArgs{
		Placement:            place,
		ActionGroupID:        obs.ActionGroupID,
		RouterAppID:          rt.AppID,
		InferenceAppID:       inference.AppID,
		StorageAccountID:     store.AccountID,
		BatchAccountID:       bat.AccountID,
		InferenceMaxReplicas: args.Inference.MaxReplicas,
		QueueDepthThreshold:  args.Monitoring.QueueDepthAlert,
	}, child)
	if err != nil {
		return nil, err
	}
	dash, err := NewDashboard(ctx, name+"-dashboard", &DashboardArgs{
		Placement:        place,
		Stack:            args.Stack,
		WorkspaceID:      obs.WorkspaceID,
		RouterAppName:    rt.AppName,
		InferenceAppID:   inference.AppID,
		StorageAccountID: store.AccountID,
		BatchAccountID:   bat.AccountID,
		BudgetID:         obs.BudgetID,
	}, child)
	if err != nil {
		return nil, err
	}

	comp.ResourceGroupName, comp.Network = rgNameOut, net
	comp.Router, comp.Alerts, comp.Dashboard, comp.APIKey = rt, alerts, dash, key.key
	comp.Observability, comp.Vault, comp.Storage = obs, vault, store
	comp.Registry, comp.Inference, comp.Batch = registry, inference, bat
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"resourceGroupName": rgNameOut})
}

// concat joins resource lists for DependsOn.
func concat(lists ...[]pulumi.Resource) []pulumi.Resource {
	var out []pulumi.Resource
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// routingSettings are the Key Vault secrets the router reads, under the
// recipe's names as the router declares them.
func routingSettings(args *PlatformArgs) map[string]pulumi.StringInput {
	return map[string]pulumi.StringInput{
		router.SecretRealtimeThresholdMs: pulumi.String(strconv.Itoa(args.Routing.RealtimeThresholdMs)),
		router.SecretBatchCostThreshold:  pulumi.String(strconv.FormatFloat(args.Routing.BatchCostThreshold, 'f', -1, 64)),
		router.SecretMaxACAReplicas:      pulumi.String(strconv.Itoa(args.Inference.MaxReplicas)),
		router.SecretMaxBatchNodes:       pulumi.String(strconv.Itoa(args.Pool.MaxNodes)),
		router.SecretModelVersion:        pulumi.String(args.Routing.ModelVersion),
		router.SecretGPUMemoryLimit:      pulumi.String(args.Routing.GPUMemoryLimit),
	}
}

// routerEnv is the router's configuration, under the names its contract
// declares (router/config): endpoints, names and the tunables the stack knows
// better than a default. It authenticates as its identity (AZURE_CLIENT_ID),
// so no key or connection string appears here. A stack test loads this
// environment through the router's own loader.
func routerEnv(args *PlatformArgs, ids *identities, vault *Vault, store *Storage, inference *Inference, bat *Batch, image pulumi.StringInput) map[string]pulumi.StringInput {
	env := map[string]pulumi.StringInput{
		rc.EnvAddr:                 pulumi.String(fmt.Sprintf("0.0.0.0:%d", RouterPort)),
		rc.EnvAzureClientID:        ids.router.ClientId,
		rc.EnvKeyVaultURI:          vault.VaultURI,
		rc.EnvQueueEndpoint:        store.QueueEndpoint,
		rc.EnvBlobEndpoint:         store.BlobEndpoint,
		rc.EnvWorkQueue:            store.WorkQueueName,
		rc.EnvPoisonQueue:          store.PoisonQueueName,
		rc.EnvRequestContainer:     store.RequestContainerName,
		rc.EnvResultContainer:      store.ResultContainerName,
		rc.EnvInferenceURL:         pulumi.Sprintf("%s%s", inference.InternalURL, args.Inference.Path),
		rc.EnvExecutor:             pulumi.String(rc.ExecutorAzureBatch),
		rc.EnvBatchAccountEndpoint: bat.AccountEndpoint,
		rc.EnvBatchPoolID:          bat.PoolID,
		rc.EnvBatchJobID:           pulumi.String(rc.Default().Batch.JobID),
		rc.EnvBatchNodeIdentity:    ids.pool.ID().ToStringOutput(),
		rc.EnvBatchCommand:         pulumi.String(args.Pool.Command),
		rc.EnvInferenceImage:       image,
		rc.EnvReplicaConcurrency:   pulumi.String(strconv.Itoa(args.Inference.Concurrency)),
		rc.EnvMinReplicas:          pulumi.String(strconv.Itoa(args.Inference.MinReplicas)),
		rc.EnvColdStart:            pulumi.String(fmt.Sprintf("%ds", args.Routing.ColdStartSeconds)),
		rc.EnvScaleDownDelay:       pulumi.String(fmt.Sprintf("%ds", args.Inference.CooldownSeconds)),
		rc.EnvMaxBodyBytes:         pulumi.String(strconv.Itoa(args.Routing.MaxBodyBytes)),
	}
	// The micro-batch format: the dispatcher writes the lines the pool's
	// batch command reads (docs/openai.md).
	env[rc.EnvInferenceAPI] = pulumi.String(args.Pool.API)
	if len(args.RouterAllowedOrigins) > 0 {
		env[rc.EnvCORSOrigins] = pulumi.String(strings.Join(args.RouterAllowedOrigins, ","))
	}
	for k, v := range routerPrices(args, pricing.Default()) {
		env[k] = pulumi.String(v)
	}
	return env
}

// routerPrices gives the router the prices its cost comparison uses, for the
// stack's GPU profile and pool size, from the same table as the offline
// estimate (internal/pricing). A size the table lacks keeps the router's default.
func routerPrices(args *PlatformArgs, t pricing.Table) map[string]string {
	out := map[string]string{}
	if usd, ok := t.ReplicaPerSecond(args.GPU.WorkloadProfileType, args.GPU.CPU, args.GPU.MemoryGiB); ok {
		out[rc.EnvRealtimePricePerSecond] = strconv.FormatFloat(usd, 'g', 6, 64)
	}
	if usd, ok := t.NodePerSecond(args.Pool.VMSize, args.Pool.Spot); ok {
		out[rc.EnvBatchPricePerSecond] = strconv.FormatFloat(usd, 'g', 6, 64)
	}
	return out
}
