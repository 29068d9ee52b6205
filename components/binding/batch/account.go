package batch

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BatchAccountArgs are the bound inputs of azure-native:batch:BatchAccount.
type BatchAccountArgs struct {
	AccountName                pulumi.StringInput             `pulumi:"accountName"`
	ResourceGroupName          pulumi.StringInput             `pulumi:"resourceGroupName"`
	Location                   pulumi.StringInput             `pulumi:"location"`
	Identity                   *BatchAccountIdentityArgs      `pulumi:"identity"`
	PoolAllocationMode         pulumi.StringInput             `pulumi:"poolAllocationMode"`
	PublicNetworkAccess        pulumi.StringInput             `pulumi:"publicNetworkAccess"`
	AutoStorage                *AutoStorageBasePropertiesArgs `pulumi:"autoStorage"`
	AllowedAuthenticationModes pulumi.StringArrayInput        `pulumi:"allowedAuthenticationModes"`
	Tags                       pulumi.StringMapInput          `pulumi:"tags"`
}

// BatchAccount is a Batch account (its outputs as the provider returns them).
type BatchAccount struct {
	pulumi.CustomResourceState

	Name              pulumi.StringOutput `pulumi:"name"`
	AccountEndpoint   pulumi.StringOutput `pulumi:"accountEndpoint"`
	ProvisioningState pulumi.StringOutput `pulumi:"provisioningState"`
}

// NewBatchAccount registers a Batch account.
func NewBatchAccount(ctx *pulumi.Context, name string, args *BatchAccountArgs, opts ...pulumi.ResourceOption) (*BatchAccount, error) {
	if args == nil || args.ResourceGroupName == nil {
		return nil, errors.New("batch account: missing required argument ResourceGroupName")
	}
	var res BatchAccount
	if err := ctx.RegisterResource("azure-native:batch:BatchAccount", name, encode(args), &res, withVersion(opts)...); err != nil {
		return nil, err
	}
	return &res, nil
}
