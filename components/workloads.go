package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// workloads are what runs on the kept tiers: the environment the models run
// in, each model on its serverless GPU, the Batch pools, and the router in
// front of them.
type workloads struct {
	inference *Inference
	models    []*ModelDeployment
	batch     *Batch
	router    *Router
}

// newWorkloads declares one identity per workload, then each workload after
// its grants. Each identity holds only what its workload does, at the
// narrowest scope: a Container App created before its AcrPull applies
// cannot pull its image, a router before its Key Vault grant cannot read
// its settings (README, "Role assignments and the first deployment").
func newWorkloads(ctx *pulumi.Context, name string, owner *Platform, args *PlatformArgs, base *foundation, kept *keptTiers, parent pulumi.ResourceOption) (*workloads, error) {
	ids, err := newIdentities(ctx, name, base.place, parent)
	if err != nil {
		return nil, err
	}
	inference, err := NewInference(ctx, name+"-inference", &InferenceArgs{
		Placement:   base.place,
		WorkspaceID: kept.observability.WorkspaceID,
		GPUs:        args.GPUTypes(),
		SubnetID:    base.network.subnet(SubnetContainerApps),
	}, parent)
	if err != nil {
		return nil, err
	}
	models, err := newModels(ctx, name, owner, args, base, kept, inference, parent)
	if err != nil {
		return nil, err
	}
	bat, err := newBatchWorkload(ctx, name, args, base, kept, ids, parent)
	if err != nil {
		return nil, err
	}
	rt, err := newRouterWorkload(ctx, name, args, base, kept, ids, inference, models, bat, parent)
	if err != nil {
		return nil, err
	}
	return &workloads{inference: inference, models: models, batch: bat, router: rt}, nil
}

// newModels declares each model on the environment's profile of its GPU.
// The first is the stack's default model, which keeps the resources a
// single-model stack had, declared then under the platform and the
// inference tier.
func newModels(ctx *pulumi.Context, name string, owner *Platform, args *PlatformArgs, base *foundation, kept *keptTiers, inference *Inference, parent pulumi.ResourceOption) ([]*ModelDeployment, error) {
	registry, obs := kept.registry, kept.observability
	var out []*ModelDeployment
	for i, m := range args.Models {
		margs := &ModelDeploymentArgs{
			Placement:         base.place,
			Model:             m,
			Default:           i == 0,
			EnvironmentID:     inference.EnvironmentID,
			EnvironmentDomain: inference.EnvironmentDomain,
			Image:             imageRef(m.App.Image, registry),
			CanaryImages:      canaryImages(m, registry),
			RegistryServer:    registry.LoginServer,
			RegistryID:        registry.RegistryID,
			SubscriptionID:    args.SubscriptionID,
			ActionGroupID:     obs.ActionGroupID,
			AppDependsOn:      registry.Endpoints,
		}
		if i == 0 {
			margs.MovedFrom = &MovedFrom{Platform: owner, Inference: inference, AlertsName: name + "-alerts"}
		}
		md, err := NewModelDeployment(ctx, name, margs, parent)
		if err != nil {
			return nil, err
		}
		out = append(out, md)
	}
	return out, nil
}

// canaryApps are the models' canary apps.
func canaryApps(models []*ModelDeployment) []pulumi.Resource {
	var out []pulumi.Resource
	for _, md := range models {
		for _, c := range md.Canaries {
			out = append(out, c.App)
		}
	}
	return out
}

// canaryImages are the images of model m's canaries, in order.
func canaryImages(m config.Model, registry *Registry) []pulumi.StringInput {
	var out []pulumi.StringInput
	for _, r := range m.Canaries() {
		out = append(out, imageRef(r.Image, registry))
	}
	return out
}

// newBatchWorkload declares the pools' and the Batch account's grants, then
// the account and one pool per GPU type of the models.
//
// The account links the storage account as auto-storage only when the
// network is not isolated: the Batch service reaches auto-storage from
// outside the network, through a public endpoint the isolated account has
// turned off and to which its network rules let no trusted service through
// (storageNetworkRules). The stack needs no auto-storage either way.
func newBatchWorkload(ctx *pulumi.Context, name string, args *PlatformArgs, base *foundation, kept *keptTiers, ids *identities, parent pulumi.ResourceOption) (*Batch, error) {
	registry, store := kept.registry, kept.storage
	grants := []grant{
		{"pool-acrpull-registry", ids.pool.PrincipalId, RoleAcrPull, registry.RegistryID},
		{"pool-blob-requests", ids.pool.PrincipalId, RoleStorageBlobDataContributor, store.RequestContainerID},
		{"pool-blob-results", ids.pool.PrincipalId, RoleStorageBlobDataContributor, store.ResultContainerID},
	}
	var autoStorage pulumi.StringInput
	if !args.Network.Isolation {
		autoStorage = store.AccountID
		// Auto-storage with BatchAccountManagedIdentity needs the account's
		// identity to hold blob data access on the storage account
		// (azure-docs batch/managed-identity-pools.md, auto-storage).
		grants = append(grants, grant{"batch-blob-account", ids.batchAccount.PrincipalId, RoleStorageBlobDataContributor, store.AccountID})
	}
	granted, err := assignRoles(ctx, args.SubscriptionID, grants, parent)
	if err != nil {
		return nil, err
	}
	return NewBatch(ctx, name+"-batch", &BatchArgs{
		Placement:            base.place,
		AutoStorageAccountID: autoStorage,
		AccountIdentityID:    ids.batchAccount.ID().ToStringOutput(),
		PoolIdentityID:       ids.pool.ID().ToStringOutput(),
		Pools:                args.Pools(),
		RegistryServer:       registry.LoginServer,
		PrivateLink:          base.network.link(),
		PoolSubnetID:         base.network.subnet(SubnetBatchPool),
		PoolDependsOn:        concat(registry.Endpoints, store.Endpoints),
	}, parent, pulumi.DependsOn(granted))
}

// newRouterWorkload declares the router's grants, then the router app,
// configured with where everything else is, after the canaries' apps it
// sends their share to.
func newRouterWorkload(ctx *pulumi.Context, name string, args *PlatformArgs, base *foundation, kept *keptTiers, ids *identities, inference *Inference, models []*ModelDeployment, bat *Batch, parent pulumi.ResourceOption) (*Router, error) {
	registry, vault, store := kept.registry, kept.vault, kept.storage
	roles := []grant{
		{"router-secrets-vault", ids.router.PrincipalId, RoleKeyVaultSecretsUser, vault.VaultID},
		{"router-queue-work", ids.router.PrincipalId, RoleStorageQueueDataContributor, store.WorkQueueID},
		{"router-queue-poison", ids.router.PrincipalId, RoleStorageQueueDataContributor, store.PoisonQueueID},
		{"router-blob-requests", ids.router.PrincipalId, RoleStorageBlobDataContributor, store.RequestContainerID},
		{"router-blob-results", ids.router.PrincipalId, RoleStorageBlobDataContributor, store.ResultContainerID},
		{"router-jobs-batch", ids.router.PrincipalId, RoleBatchJobSubmitter, bat.AccountID},
		{"router-acrpull-registry", ids.router.PrincipalId, RoleAcrPull, registry.RegistryID},
	}
	// The router writes a rollback to the model's rollout secret: it may
	// write that one secret, and reads the rest as Secrets User.
	for _, m := range args.Models {
		if n := m.RolloutSecret(); n != "" {
			roles = append(roles, grant{"router-rollout-" + m.Key, ids.router.PrincipalId, RoleKeyVaultSecretsOfficer, vault.RouterWrittenIDs[n]})
		}
	}
	grants, err := assignRoles(ctx, args.SubscriptionID, roles, parent)
	if err != nil {
		return nil, err
	}
	return NewRouter(ctx, name+"-router", &RouterArgs{
		Placement:         base.place,
		EnvironmentID:     inference.EnvironmentID,
		EnvironmentDomain: inference.EnvironmentDomain,
		Image:             registry.ImageRefs[RouterRepository],
		RegistryServer:    registry.LoginServer,
		IdentityID:        ids.router.ID().ToStringOutput(),
		MaxReplicas:       args.Router.MaxReplicas,
		Env:               routerEnv(args, ids, vault, store, models, bat),
		DependsOn:         concat(registry.Endpoints, vault.Endpoints, store.Endpoints, bat.Endpoints, canaryApps(models)),
		// The vault component: its secrets (settings, key hash) exist first.
	}, parent, pulumi.DependsOn(append(grants, vault)))
}
