package batch

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Each XArgs struct's `pulumi` tags are the provider's property names;
// encode.go turns the structs into the map the provider receives.

// ComputeNodeIdentityReferenceArgs names a user-assigned identity by resource id.
type ComputeNodeIdentityReferenceArgs struct {
	ResourceId pulumi.StringInput `pulumi:"resourceId"`
}

// AutoStorageBasePropertiesArgs links the account's auto-storage account.
type AutoStorageBasePropertiesArgs struct {
	StorageAccountId      pulumi.StringInput                `pulumi:"storageAccountId"`
	AuthenticationMode    pulumi.StringInput                `pulumi:"authenticationMode"`
	NodeIdentityReference *ComputeNodeIdentityReferenceArgs `pulumi:"nodeIdentityReference"`
}

// BatchAccountIdentityArgs is the account's managed identity.
type BatchAccountIdentityArgs struct {
	Type                   pulumi.StringInput      `pulumi:"type"`
	UserAssignedIdentities pulumi.StringArrayInput `pulumi:"userAssignedIdentities"`
}

// BatchPoolIdentityArgs is the pool's managed identity (used by its nodes).
type BatchPoolIdentityArgs struct {
	Type                   pulumi.StringInput      `pulumi:"type"`
	UserAssignedIdentities pulumi.StringArrayInput `pulumi:"userAssignedIdentities"`
}

// ImageReferenceArgs is a marketplace image.
type ImageReferenceArgs struct {
	Publisher pulumi.StringInput `pulumi:"publisher"`
	Offer     pulumi.StringInput `pulumi:"offer"`
	Sku       pulumi.StringInput `pulumi:"sku"`
	Version   pulumi.StringInput `pulumi:"version"`
}

// ContainerRegistryArgs is a registry the nodes pull images from.
type ContainerRegistryArgs struct {
	RegistryServer    pulumi.StringInput                `pulumi:"registryServer"`
	IdentityReference *ComputeNodeIdentityReferenceArgs `pulumi:"identityReference"`
}

// ContainerConfigurationArgs makes the pool's nodes run tasks in containers.
type ContainerConfigurationArgs struct {
	Type                pulumi.StringInput      `pulumi:"type"`
	ContainerImageNames pulumi.StringArrayInput `pulumi:"containerImageNames"`
	ContainerRegistries []ContainerRegistryArgs `pulumi:"containerRegistries"`
}

// VirtualMachineConfigurationArgs is the nodes' OS image and agent.
type VirtualMachineConfigurationArgs struct {
	ImageReference         *ImageReferenceArgs         `pulumi:"imageReference"`
	NodeAgentSkuId         pulumi.StringInput          `pulumi:"nodeAgentSkuId"`
	ContainerConfiguration *ContainerConfigurationArgs `pulumi:"containerConfiguration"`
}

// DeploymentConfigurationArgs holds the virtual machine configuration.
type DeploymentConfigurationArgs struct {
	VirtualMachineConfiguration *VirtualMachineConfigurationArgs `pulumi:"virtualMachineConfiguration"`
}

// AutoScaleSettingsArgs is the pool's autoscale formula.
type AutoScaleSettingsArgs struct {
	Formula            pulumi.StringInput `pulumi:"formula"`
	EvaluationInterval pulumi.StringInput `pulumi:"evaluationInterval"`
}

// ScaleSettingsArgs chooses autoscale (fixed scale is not bound).
type ScaleSettingsArgs struct {
	AutoScale *AutoScaleSettingsArgs `pulumi:"autoScale"`
}

// TaskSchedulingPolicyArgs says how tasks fill nodes.
type TaskSchedulingPolicyArgs struct {
	NodeFillType pulumi.StringInput `pulumi:"nodeFillType"`
}

// NetworkConfigurationArgs places the pool's nodes in a subnet.
type NetworkConfigurationArgs struct {
	SubnetId                     pulumi.StringInput                `pulumi:"subnetId"`
	PublicIPAddressConfiguration *PublicIPAddressConfigurationArgs `pulumi:"publicIPAddressConfiguration"`
}

// PublicIPAddressConfigurationArgs says whether nodes get public IP
// addresses: "NoPublicIPAddresses" gives them none.
type PublicIPAddressConfigurationArgs struct {
	Provision pulumi.StringInput `pulumi:"provision"`
}

// MetadataItemArgs is a name/value pair on the pool.
type MetadataItemArgs struct {
	Name  pulumi.StringInput `pulumi:"name"`
	Value pulumi.StringInput `pulumi:"value"`
}
