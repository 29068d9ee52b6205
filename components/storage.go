package components

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// Queue and container names: the router's defaults (router/config), so a
// router started without WORK_QUEUE and the rest finds the same ones.
var (
	WorkQueueName        = routerconfig.Default().Storage.WorkQueue
	PoisonQueueName      = routerconfig.Default().Storage.PoisonQueue
	RequestContainerName = routerconfig.Default().Storage.RequestContainer
	ResultContainerName  = routerconfig.Default().Storage.ResultContainer
)

// StorageArgs configures the storage tier.
type StorageArgs struct {
	Placement
	// PayloadRetentionDays is how long request payloads and results are kept.
	PayloadRetentionDays int
	// Redundancy is the account's replication, LRS, ZRS, GRS, RAGRS, GZRS
	// or RAGZRS (config.StorageRedundancies): what of the accepted jobs
	// and results survives the loss of a datacenter, a zone or the region
	// (README, Disaster recovery).
	Redundancy string
	// PrivateLink, when set, turns public network access off and gives the
	// blob and queue services private endpoints there.
	PrivateLink *PrivateLink
	// Retain keeps the account, its queues, containers and lifecycle rule
	// in Azure when they leave the program or the stack is destroyed
	// (Pulumi's retainOnDelete): jobs and results outlive an accidental
	// destroy. Name the account with a per-deployment suffix
	// (Naming.WithSuffix) so that a new deployment does not ask for the
	// retained account's name.
	Retain bool
}

// Storage is the account that carries batch work: the work and poison
// queues, request payloads too large for a queue message, and results.
// Shared keys are off: every client authenticates with Entra ID.
type Storage struct {
	pulumi.ResourceState

	// AccountID is the account's resource id.
	AccountID pulumi.StringOutput `pulumi:"accountId"`
	// AccountName is the account's name.
	AccountName pulumi.StringOutput `pulumi:"accountName"`
	// QueueEndpoint is the account's queue service endpoint.
	QueueEndpoint pulumi.StringOutput `pulumi:"queueEndpoint"`
	// BlobEndpoint is the account's blob service endpoint.
	BlobEndpoint pulumi.StringOutput `pulumi:"blobEndpoint"`
	// WorkQueueID and PoisonQueueID scope queue role assignments.
	WorkQueueID   pulumi.StringOutput `pulumi:"workQueueId"`
	PoisonQueueID pulumi.StringOutput `pulumi:"poisonQueueId"`
	// RequestContainerID and ResultContainerID scope blob role assignments.
	RequestContainerID pulumi.StringOutput `pulumi:"requestContainerId"`
	ResultContainerID  pulumi.StringOutput `pulumi:"resultContainerId"`
	// WorkQueueName, PoisonQueueName, RequestContainerName and ResultContainerName
	// are what the router is told to use.
	WorkQueueName        pulumi.StringOutput `pulumi:"workQueueName"`
	PoisonQueueName      pulumi.StringOutput `pulumi:"poisonQueueName"`
	RequestContainerName pulumi.StringOutput `pulumi:"requestContainerName"`
	ResultContainerName  pulumi.StringOutput `pulumi:"resultContainerName"`
	// Endpoints are the blob and queue private endpoints' DNS records and
	// their zones' links to the network (none without PrivateLink), for
	// consumers to depend on.
	Endpoints []pulumi.Resource `pulumi:"-"`
}

// NewStorage declares the account, its queues, containers and lifecycle rule.
func NewStorage(ctx *pulumi.Context, name string, args *StorageArgs, opts ...pulumi.ResourceOption) (*Storage, error) {
	comp := &Storage{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:storage:Storage", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)
	// data are the options of everything that holds jobs and results.
	data := []pulumi.ResourceOption{child, pulumi.RetainOnDelete(args.Retain)}

	account, err := storage.NewStorageAccount(ctx, name+"-st", &storage.StorageAccountArgs{
		AccountName:                  args.Naming.Lasting(CompactName("st")),
		ResourceGroupName:            args.ResourceGroupName,
		Location:                     args.Location,
		Kind:                         pulumi.String("StorageV2"),
		Sku:                          &storage.SkuArgs{Name: pulumi.String("Standard_" + args.Redundancy)},
		EnableHttpsTrafficOnly:       pulumi.Bool(true),
		MinimumTlsVersion:            pulumi.String("TLS1_2"),
		AllowBlobPublicAccess:        pulumi.Bool(false),
		AllowSharedKeyAccess:         pulumi.Bool(false),
		DefaultToOAuthAuthentication: pulumi.Bool(true),
		AllowCrossTenantReplication:  pulumi.Bool(false),
		PublicNetworkAccess:          pulumi.String(publicAccess(args.PrivateLink)),
		NetworkRuleSet:               storageNetworkRules(args.PrivateLink),
		Tags:                         args.Tags,
	}, data...)
	if err != nil {
		return nil, fmt.Errorf("storage account: %w", err)
	}

	queue := func(logical, queueName string) (*storage.Queue, error) {
		return storage.NewQueue(ctx, name+"-"+logical, &storage.QueueArgs{
			QueueName:         pulumi.String(queueName),
			AccountName:       account.Name,
			ResourceGroupName: args.ResourceGroupName,
		}, data...)
	}
	container := func(logical, containerName string) (*storage.BlobContainer, error) {
		return storage.NewBlobContainer(ctx, name+"-"+logical, &storage.BlobContainerArgs{
			ContainerName:     pulumi.String(containerName),
			AccountName:       account.Name,
			ResourceGroupName: args.ResourceGroupName,
			PublicAccess:      storage.PublicAccessNone,
		}, data...)
	}
	work, err := queue("work", WorkQueueName)
	if err != nil {
		return nil, fmt.Errorf("work queue: %w", err)
	}
	poison, err := queue("poison", PoisonQueueName)
	if err != nil {
		return nil, fmt.Errorf("poison queue: %w", err)
	}
	requests, err := container("requests", RequestContainerName)
	if err != nil {
		return nil, fmt.Errorf("requests container: %w", err)
	}
	results, err := container("results", ResultContainerName)
	if err != nil {
		return nil, fmt.Errorf("results container: %w", err)
	}

	if args.PrivateLink != nil {
		for _, group := range []string{GroupBlob, GroupQueue} {
			resolved, err := privateEndpoint(ctx, name, args.Placement, args.PrivateLink, account.ID(), group, child)
			if err != nil {
				return nil, err
			}
			comp.Endpoints = withNew(comp.Endpoints, resolved...)
		}
	}

	// Payloads and results are only needed until the client has read them.
	days := float64(args.PayloadRetentionDays)
	if _, err := storage.NewManagementPolicy(ctx, name+"-lifecycle", &storage.ManagementPolicyArgs{
		// The only name the API accepts for an account's policy.
		ManagementPolicyName: pulumi.String("default"),
		AccountName:          account.Name,
		ResourceGroupName:    args.ResourceGroupName,
		Policy: &storage.ManagementPolicySchemaArgs{Rules: storage.ManagementPolicyRuleArray{
			storage.ManagementPolicyRuleArgs{
				Name:    pulumi.String("expire-payloads-and-results"),
				Enabled: pulumi.Bool(true),
				Type:    pulumi.String("Lifecycle"),
				Definition: &storage.ManagementPolicyDefinitionArgs{
					Filters: &storage.ManagementPolicyFilterArgs{
						BlobTypes:   pulumi.StringArray{pulumi.String("blockBlob")},
						PrefixMatch: pulumi.StringArray{pulumi.String(RequestContainerName + "/"), pulumi.String(ResultContainerName + "/")},
					},
					Actions: &storage.ManagementPolicyActionArgs{
						BaseBlob: &storage.ManagementPolicyBaseBlobArgs{
							Delete: &storage.DateAfterModificationArgs{DaysAfterModificationGreaterThan: pulumi.Float64(days)},
						},
					},
				},
			},
		}},
	}, append(data, pulumi.DependsOn([]pulumi.Resource{requests, results}))...); err != nil {
		return nil, fmt.Errorf("lifecycle policy: %w", err)
	}

	comp.AccountID = account.ID().ToStringOutput()
	comp.AccountName = account.Name
	comp.QueueEndpoint = account.PrimaryEndpoints.Queue()
	comp.BlobEndpoint = account.PrimaryEndpoints.Blob()
	comp.WorkQueueID = work.ID().ToStringOutput()
	comp.PoisonQueueID = poison.ID().ToStringOutput()
	comp.RequestContainerID = requests.ID().ToStringOutput()
	comp.ResultContainerID = results.ID().ToStringOutput()
	comp.WorkQueueName = work.Name
	comp.PoisonQueueName = poison.Name
	comp.RequestContainerName = requests.Name
	comp.ResultContainerName = results.Name
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"accountId":            comp.AccountID,
		"accountName":          comp.AccountName,
		"queueEndpoint":        comp.QueueEndpoint,
		"blobEndpoint":         comp.BlobEndpoint,
		"workQueueId":          comp.WorkQueueID,
		"poisonQueueId":        comp.PoisonQueueID,
		"requestContainerId":   comp.RequestContainerID,
		"resultContainerId":    comp.ResultContainerID,
		"workQueueName":        comp.WorkQueueName,
		"poisonQueueName":      comp.PoisonQueueName,
		"requestContainerName": comp.RequestContainerName,
		"resultContainerName":  comp.ResultContainerName,
	})
}

// storageNetworkRules denies every public client, trusted Azure services
// included, when the account sits behind private endpoints; nil leaves the
// API's default. Management operations (queues, containers, the lifecycle
// rule) are not subject to these rules (azure-docs
// storage/common/storage-network-security.md).
func storageNetworkRules(link *PrivateLink) storage.NetworkRuleSetPtrInput {
	if link == nil {
		return nil
	}
	return &storage.NetworkRuleSetArgs{DefaultAction: storage.DefaultActionDeny, Bypass: pulumi.String("None")}
}
