// Package managedidentity binds `azure-native:managedidentity:UserAssignedIdentity`
// (provider 2.90.0) because the managedidentity/v2 SDK module is not served
// by our module proxy. Same token, property names and provider version as
// the SDK; names mirror it so the SDK can replace this with an import change.
package managedidentity

import (
	"errors"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding"
)

// ProviderVersion is the azure-native plugin version of the stack.
const ProviderVersion = binding.AzureNativeVersion

// UserAssignedIdentityArgs are the inputs of a user-assigned identity.
type UserAssignedIdentityArgs struct {
	ResourceName      pulumi.StringInput    `pulumi:"resourceName"`
	ResourceGroupName pulumi.StringInput    `pulumi:"resourceGroupName"`
	Location          pulumi.StringInput    `pulumi:"location"`
	Tags              pulumi.StringMapInput `pulumi:"tags"`
}

type userAssignedIdentityArgs struct {
	ResourceName      *string           `pulumi:"resourceName"`
	ResourceGroupName string            `pulumi:"resourceGroupName"`
	Location          *string           `pulumi:"location"`
	Tags              map[string]string `pulumi:"tags"`
}

func (UserAssignedIdentityArgs) ElementType() reflect.Type {
	return reflect.TypeOf((*userAssignedIdentityArgs)(nil)).Elem()
}

// UserAssignedIdentity is an identity apps, pools and accounts run as.
type UserAssignedIdentity struct {
	pulumi.CustomResourceState

	Name        pulumi.StringOutput `pulumi:"name"`
	ClientId    pulumi.StringOutput `pulumi:"clientId"`
	PrincipalId pulumi.StringOutput `pulumi:"principalId"`
	TenantId    pulumi.StringOutput `pulumi:"tenantId"`
}

// NewUserAssignedIdentity registers a user-assigned identity.
func NewUserAssignedIdentity(ctx *pulumi.Context, name string, args *UserAssignedIdentityArgs, opts ...pulumi.ResourceOption) (*UserAssignedIdentity, error) {
	if args == nil || args.ResourceGroupName == nil {
		return nil, errors.New("user-assigned identity: missing required argument ResourceGroupName")
	}
	var res UserAssignedIdentity
	opts = append([]pulumi.ResourceOption{pulumi.Version(ProviderVersion)}, opts...)
	if err := ctx.RegisterResource("azure-native:managedidentity:UserAssignedIdentity", name, args, &res, opts...); err != nil {
		return nil, err
	}
	return &res, nil
}
