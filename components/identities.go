package components

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding/managedidentity"
)

// identities are the user-assigned identities the shared workloads run as:
// one per workload, so each gets only its own roles. Each model has its own
// (ModelDeployment).
type identities struct {
	router, batchAccount, pool *managedidentity.UserAssignedIdentity
}

func newIdentities(ctx *pulumi.Context, name string, place Placement, opts ...pulumi.ResourceOption) (*identities, error) {
	newID := func(workload string) (*managedidentity.UserAssignedIdentity, error) {
		id, err := managedidentity.NewUserAssignedIdentity(ctx, name+"-id-"+workload, &managedidentity.UserAssignedIdentityArgs{
			ResourceName:      pulumi.String(place.Naming.Hyphenated("id") + "-" + workload),
			ResourceGroupName: place.ResourceGroupName,
			Location:          place.Location,
			Tags:              place.Tags,
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("identity %s: %w", workload, err)
		}
		return id, nil
	}
	var ids identities
	var err error
	if ids.router, err = newID("router"); err != nil {
		return nil, err
	}
	if ids.batchAccount, err = newID("batch"); err != nil {
		return nil, err
	}
	if ids.pool, err = newID("pool"); err != nil {
		return nil, err
	}
	return &ids, nil
}
