package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
	"github.com/gpu-orchestration/gpu-orchestration/components/binding/batch"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// The pool's OS image and node agent: Ubuntu 22.04 HPC from the
// Microsoft DSVM publisher, which ships the NVIDIA driver and a Docker
// compatible runtime, with the matching agent (batch.node.ubuntu 20.04 is
// unsupported since 23 April 2025; 22.04 is supported until 30 June 2027).
// azure-docs batch/batch-docker-container-workloads.md, "Supported VM images".
const (
	PoolImagePublisher = "microsoft-dsvm"
	PoolImageOffer     = "ubuntu-hpc"
	PoolImageSku       = "2204"
	PoolNodeAgentSku   = "batch.node.ubuntu 22.04"
	// PoolNoPublicIPs is the pool's IP address provisioning type when it
	// sits in the stack's network.
	PoolNoPublicIPs = "NoPublicIPAddresses"
	// PoolName is the id of the first GPU type's pool (the stack's default
	// model's: the pool a single-model stack has); the others are
	// gpu-pool-<gpu> (PoolNameOf).
	PoolName = "gpu-pool"
	// poolEvaluationInterval is the autoscale evaluation interval; PT5M is
	// the shortest Batch allows.
	poolEvaluationInterval = "PT5M"
)

// BatchArgs configures the batch tier.
type BatchArgs struct {
	Placement
	// AutoStorageAccountID, when set, links that storage account (shared
	// keys off) as the account's auto-storage, which the Batch service
	// itself reaches for application packages and auto-storage resource
	// files. The stack uses neither (tasks move their blobs as the pool's
	// identity), so a nil one links none.
	AutoStorageAccountID pulumi.StringInput
	// AccountIdentityID is the account's user-assigned identity, which
	// reaches auto-storage.
	AccountIdentityID pulumi.StringInput
	// PoolIdentityID is the nodes' identity: registry pulls and blob data.
	PoolIdentityID pulumi.StringInput
	// Pools are the GPU pools, one per GPU type of the models
	// (config.Config.Pools): VM size, node cap (the formula's), Spot or not.
	Pools []config.Pool
	// RegistryServer is the registry the nodes pull the images their tasks
	// name from (with PoolIdentityID). A pool names no image itself: Batch
	// refuses updates to an existing pool's deploymentConfiguration, so a
	// pre-pulled digest would make every image rebuild fail, and one pool
	// runs the images of every model on its GPU.
	RegistryServer pulumi.StringInput
	// PrivateLink, when set, turns the account's public network access off
	// and gives it private endpoints there for both its sub-resources:
	// batchAccount (the Batch service API the router submits tasks to) and
	// nodeManagement (how nodes of a pool without public IP addresses reach
	// the Batch service under simplified node communication) — azure-docs
	// batch/private-connectivity.md, batch/public-network-access.md.
	PrivateLink *PrivateLink
	// PoolSubnetID, when set, places the pools' nodes in that subnet with
	// no public IP addresses (azure-docs
	// batch/simplified-node-communication-pool-no-public-ip.md).
	PoolSubnetID pulumi.StringInput
	// PoolDependsOn are what the nodes wait for besides the account's own
	// endpoints: the registry's and the blobs' (DNS records and zone links);
	// nodes must not start before those names resolve privately.
	PoolDependsOn []pulumi.Resource
}

// Batch is the Batch account (Entra ID only, Batch-service pool
// allocation) and its GPU pools, one per GPU type, each autoscaled by the
// formula the autoscale package builds and tests.
type Batch struct {
	pulumi.ResourceState

	// AccountID is the Batch account's resource id.
	AccountID pulumi.StringOutput `pulumi:"accountId"`
	// AccountName is the Batch account's name.
	AccountName pulumi.StringOutput `pulumi:"accountName"`
	// AccountEndpoint is the data-plane endpoint jobs and tasks are sent to.
	AccountEndpoint pulumi.StringOutput `pulumi:"accountEndpoint"`
	// PoolIDs are the pools' ids inside the account, in the order of Pools.
	PoolIDs pulumi.StringArrayOutput `pulumi:"poolIds"`
	// Formulas are the pools' autoscale formulas, in the same order.
	Formulas pulumi.StringArrayOutput `pulumi:"formulas"`
	// PoolIDOf is the id of each GPU type's pool.
	PoolIDOf map[config.GPUType]pulumi.StringOutput `pulumi:"-"`
	// Endpoints are the account's private endpoints' DNS records and their
	// zone's link to the network (none without PrivateLink), for clients of
	// the Batch service to depend on.
	Endpoints []pulumi.Resource `pulumi:"-"`
}

// PoolFormula is the autoscale formula for a pool of the given limits.
// Deallocation is taskcompletion: a node leaving on scale-in first finishes
// its running batch, so no GPU work is thrown away (see autoscale.Options).
func PoolFormula(spot bool, maxNodes int) (string, error) {
	o := autoscale.DefaultOptions()
	o.Spot = spot
	o.MaxNodes = maxNodes
	o.TasksPerNode = 1
	o.NodeDeallocation = "taskcompletion"
	return autoscale.Build(o)
}

// autoStorage links the auto-storage account, or nothing.
func autoStorage(args *BatchArgs) *batch.AutoStorageBasePropertiesArgs {
	if args.AutoStorageAccountID == nil {
		return nil
	}
	return &batch.AutoStorageBasePropertiesArgs{
		StorageAccountId: args.AutoStorageAccountID,
		// Shared keys are off on the account: Batch reaches it as its
		// identity, and nodes as the pool's.
		AuthenticationMode:    pulumi.String("BatchAccountManagedIdentity"),
		NodeIdentityReference: &batch.ComputeNodeIdentityReferenceArgs{ResourceId: args.PoolIdentityID},
	}
}

// PoolNameOf is the id of the i-th pool, of the given GPU: the first keeps
// a single-model stack's gpu-pool, so an existing stack's pool stays.
func PoolNameOf(i int, gpu config.GPUType) string {
	if i == 0 {
		return PoolName
	}
	return PoolName + "-" + strings.ToLower(string(gpu))
}

// NewBatch declares the account and the pools.
func NewBatch(ctx *pulumi.Context, name string, args *BatchArgs, opts ...pulumi.ResourceOption) (*Batch, error) {
	comp := &Batch{PoolIDOf: map[config.GPUType]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("gpu-orchestration:batch:Batch", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)

	account, err := batch.NewBatchAccount(ctx, name+"-ba", &batch.BatchAccountArgs{
		AccountName:       pulumi.String(args.Naming.Global("ba")),
		ResourceGroupName: args.ResourceGroupName,
		Location:          args.Location,
		Identity: &batch.BatchAccountIdentityArgs{
			Type:                   pulumi.String("UserAssigned"),
			UserAssignedIdentities: pulumi.StringArray{args.AccountIdentityID},
		},
		PoolAllocationMode:  pulumi.String("BatchService"),
		PublicNetworkAccess: pulumi.String(publicAccess(args.PrivateLink)),
		AutoStorage:         autoStorage(args),
		// Entra ID only: no shared key, no task authentication tokens.
		AllowedAuthenticationModes: pulumi.StringArray{pulumi.String("AAD")},
		Tags:                       args.Tags,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("batch account: %w", err)
	}

	poolAfter := append([]pulumi.Resource{}, args.PoolDependsOn...)
	if args.PrivateLink != nil {
		for _, group := range []string{GroupBatchAccount, GroupNodeManagement} {
			resolved, err := privateEndpoint(ctx, name, args.Placement, args.PrivateLink, account.ID(), group, child)
			if err != nil {
				return nil, err
			}
			poolAfter = withNew(poolAfter, resolved...)
			comp.Endpoints = withNew(comp.Endpoints, resolved...)
		}
	}

	var poolIDs, formulas pulumi.StringArray
	for i, p := range args.Pools {
		pool, formula, err := newPool(ctx, name, i, p, account.Name, args, child, pulumi.DependsOn(poolAfter))
		if err != nil {
			return nil, err
		}
		comp.PoolIDOf[p.GPU] = pool.Name
		poolIDs, formulas = append(poolIDs, pool.Name), append(formulas, pulumi.String(formula))
	}

	comp.AccountID = account.ID().ToStringOutput()
	comp.AccountName = account.Name
	comp.AccountEndpoint = pulumi.Sprintf("https://%s", account.AccountEndpoint)
	comp.PoolIDs = poolIDs.ToStringArrayOutput()
	comp.Formulas = formulas.ToStringArrayOutput()
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"accountId":       comp.AccountID,
		"accountName":     comp.AccountName,
		"accountEndpoint": comp.AccountEndpoint,
		"poolIds":         comp.PoolIDs,
		"formulas":        comp.Formulas,
	})
}

// newPool declares the i-th pool: its GPU's VM size, the images its tasks
// name pulled as the pool identity, and the formula for its node cap. The
// first keeps the logical and Azure names of a single-model stack's pool.
func newPool(ctx *pulumi.Context, name string, i int, p config.Pool, accountName pulumi.StringInput, args *BatchArgs, opts ...pulumi.ResourceOption) (*batch.Pool, string, error) {
	formula, err := PoolFormula(p.Spot, p.MaxNodes)
	if err != nil {
		return nil, "", fmt.Errorf("pool %s autoscale formula: %w", p.GPU, err)
	}
	logical, display := name+"-pool", "GPU inference ("+spotOrDedicated(p.Spot)+")"
	if i > 0 {
		logical += "-" + strings.ToLower(string(p.GPU))
		display = "GPU inference, " + string(p.GPU) + " (" + spotOrDedicated(p.Spot) + ")"
	}
	var network *batch.NetworkConfigurationArgs
	if args.PoolSubnetID != nil {
		network = &batch.NetworkConfigurationArgs{
			SubnetId:                     args.PoolSubnetID,
			PublicIPAddressConfiguration: &batch.PublicIPAddressConfigurationArgs{Provision: pulumi.String(PoolNoPublicIPs)},
		}
	}
	pullAs := &batch.ComputeNodeIdentityReferenceArgs{ResourceId: args.PoolIdentityID}
	pool, err := batch.NewPool(ctx, logical, &batch.PoolArgs{
		AccountName:       accountName,
		ResourceGroupName: args.ResourceGroupName,
		PoolName:          pulumi.String(PoolNameOf(i, p.GPU)),
		DisplayName:       pulumi.String(display),
		VmSize:            pulumi.String(p.VMSize),
		DeploymentConfiguration: &batch.DeploymentConfigurationArgs{
			VirtualMachineConfiguration: &batch.VirtualMachineConfigurationArgs{
				ImageReference: &batch.ImageReferenceArgs{
					Publisher: pulumi.String(PoolImagePublisher),
					Offer:     pulumi.String(PoolImageOffer),
					Sku:       pulumi.String(PoolImageSku),
					Version:   pulumi.String("latest"),
				},
				NodeAgentSkuId: pulumi.String(PoolNodeAgentSku),
				// No containerImageNames: a pre-pulled image by digest would
				// change deploymentConfiguration with every build, which Batch
				// refuses to update on an existing pool (PropertyCannotBeUpdated;
				// azure-docs batch/batch-pool-update-properties.md), and a
				// replacement would delete the pool under running Spot tasks.
				// Each task names its model's image and the node pulls it with
				// the pool identity on first use; a rebuild changes the
				// router's tasks, never the pool.
				ContainerConfiguration: &batch.ContainerConfigurationArgs{
					Type: pulumi.String("DockerCompatible"),
					ContainerRegistries: []batch.ContainerRegistryArgs{
						{RegistryServer: args.RegistryServer, IdentityReference: pullAs},
					},
				},
			},
		},
		ScaleSettings: &batch.ScaleSettingsArgs{AutoScale: &batch.AutoScaleSettingsArgs{
			Formula:            pulumi.String(formula),
			EvaluationInterval: pulumi.String(poolEvaluationInterval),
		}},
		// One task per node: a node has one GPU and a task owns it.
		TaskSlotsPerNode:     pulumi.Int(1),
		TaskSchedulingPolicy: &batch.TaskSchedulingPolicyArgs{NodeFillType: pulumi.String("Spread")},
		Identity: &batch.BatchPoolIdentityArgs{
			Type:                   pulumi.String("UserAssigned"),
			UserAssignedIdentities: pulumi.StringArray{args.PoolIdentityID},
		},
		NetworkConfiguration:   network,
		InterNodeCommunication: pulumi.String("Disabled"),
		// Classic node communication is retired; simplified needs no inbound ports.
		TargetNodeCommunicationMode: pulumi.String("Simplified"),
		Metadata: []batch.MetadataItemArgs{
			{Name: pulumi.String("managed-by"), Value: pulumi.String("pulumi")},
		},
	}, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("batch pool %s: %w", p.GPU, err)
	}
	return pool, formula, nil
}

func spotOrDedicated(spot bool) string {
	if spot {
		return "spot"
	}
	return "dedicated"
}
