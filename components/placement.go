package components

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Placement says where a tier's resources go, what they are called and how
// they are tagged — the location, name and tags of the Azure Verified
// Modules' interface, shared by every tier's Args.
type Placement struct {
	// ResourceGroupName is the group the tier's resources live in.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region of the tier's regional resources.
	Location pulumi.StringInput
	// Tags go on every taggable resource of the tier.
	Tags pulumi.StringMapInput
	// Naming gives the resources their CAF names.
	Naming Naming
}
