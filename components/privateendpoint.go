package components

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// privateEndpoint declares a private endpoint for one sub-resource (group id)
// of a service, in link's subnet, and the DNS zone group that registers its
// address in the sub-resource's private DNS zone. It returns the zone group:
// a client inside the network reaches the service privately only once that
// record exists, so whatever must use the endpoint depends on it.
func privateEndpoint(ctx *pulumi.Context, name string, place Placement, link *PrivateLink, targetID pulumi.StringInput, group string, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	zoneID, ok := link.ZoneIDs[group]
	if !ok {
		return nil, fmt.Errorf("private endpoint %s: no private DNS zone for sub-resource %q", name, group)
	}
	peName := place.Naming.Hyphenated("pe") + "-" + group
	pe, err := network.NewPrivateEndpoint(ctx, name+"-pe-"+group, &network.PrivateEndpointArgs{
		PrivateEndpointName: pulumi.String(peName),
		ResourceGroupName:   place.ResourceGroupName,
		Location:            place.Location,
		Subnet:              &network.SubnetTypeArgs{Id: link.SubnetID},
		PrivateLinkServiceConnections: network.PrivateLinkServiceConnectionArray{
			network.PrivateLinkServiceConnectionArgs{
				Name:                 pulumi.String(group),
				PrivateLinkServiceId: targetID,
				GroupIds:             pulumi.StringArray{pulumi.String(group)},
			},
		},
		Tags: place.Tags,
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("private endpoint %s: %w", peName, err)
	}
	zones, err := network.NewPrivateDnsZoneGroup(ctx, name+"-pe-"+group+"-dns", &network.PrivateDnsZoneGroupArgs{
		PrivateDnsZoneGroupName: pulumi.String("default"),
		PrivateEndpointName:     pe.Name,
		ResourceGroupName:       place.ResourceGroupName,
		PrivateDnsZoneConfigs: network.PrivateDnsZoneConfigArray{
			network.PrivateDnsZoneConfigArgs{Name: pulumi.String(group), PrivateDnsZoneId: zoneID},
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("private endpoint %s DNS zone group: %w", peName, err)
	}
	return zones, nil
}

// Public network access values of the services' APIs.
const (
	publicAccessEnabled  = "Enabled"
	publicAccessDisabled = "Disabled"
)

// publicAccess is "Disabled" when the tier sits behind private endpoints.
func publicAccess(link *PrivateLink) string {
	if link != nil {
		return publicAccessDisabled
	}
	return publicAccessEnabled
}
