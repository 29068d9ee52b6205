package batch

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PoolArgs are the bound inputs of azure-native:batch:Pool.
type PoolArgs struct {
	AccountName                 pulumi.StringInput           `pulumi:"accountName"`
	ResourceGroupName           pulumi.StringInput           `pulumi:"resourceGroupName"`
	PoolName                    pulumi.StringInput           `pulumi:"poolName"`
	DisplayName                 pulumi.StringInput           `pulumi:"displayName"`
	VmSize                      pulumi.StringInput           `pulumi:"vmSize"`
	DeploymentConfiguration     *DeploymentConfigurationArgs `pulumi:"deploymentConfiguration"`
	ScaleSettings               *ScaleSettingsArgs           `pulumi:"scaleSettings"`
	TaskSlotsPerNode            pulumi.IntInput              `pulumi:"taskSlotsPerNode"`
	TaskSchedulingPolicy        *TaskSchedulingPolicyArgs    `pulumi:"taskSchedulingPolicy"`
	Identity                    *BatchPoolIdentityArgs       `pulumi:"identity"`
	NetworkConfiguration        *NetworkConfigurationArgs    `pulumi:"networkConfiguration"`
	InterNodeCommunication      pulumi.StringInput           `pulumi:"interNodeCommunication"`
	TargetNodeCommunicationMode pulumi.StringInput           `pulumi:"targetNodeCommunicationMode"`
	Metadata                    []MetadataItemArgs           `pulumi:"metadata"`
}

// Pool is a Batch pool (its outputs as the provider returns them).
type Pool struct {
	pulumi.CustomResourceState

	Name              pulumi.StringOutput `pulumi:"name"`
	AllocationState   pulumi.StringOutput `pulumi:"allocationState"`
	ProvisioningState pulumi.StringOutput `pulumi:"provisioningState"`
	VmSize            pulumi.StringOutput `pulumi:"vmSize"`
}

// NewPool registers a Batch pool.
func NewPool(ctx *pulumi.Context, name string, args *PoolArgs, opts ...pulumi.ResourceOption) (*Pool, error) {
	if args == nil || args.AccountName == nil || args.ResourceGroupName == nil {
		return nil, errors.New("batch pool: missing required argument AccountName or ResourceGroupName")
	}
	var res Pool
	if err := ctx.RegisterResource("azure-native:batch:Pool", name, encode(args), &res, withVersion(opts)...); err != nil {
		return nil, err
	}
	return &res, nil
}
