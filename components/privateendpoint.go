package components

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// privateEndpoint declares a private endpoint for one sub-resource (group id)
// of a service, in link's subnet, and the DNS zone group that registers its
// address in the sub-resource's private DNS zone. It returns what a client
// inside the network waits for before the service's name resolves to the
// endpoint: the zone group (the record) and the zone's link to the network
// (without it the network's resolver does not answer from the zone).
// Whatever must use the endpoint depends on both.
func privateEndpoint(ctx *pulumi.Context, name string, place Placement, link *PrivateLink, targetID pulumi.StringInput, group string, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	zoneID, ok := link.ZoneIDs[group]
	zoneLink, linked := link.ZoneLinks[group]
	if !ok || !linked {
		return nil, fmt.Errorf("private endpoint %s: no private DNS zone linked to the network for sub-resource %q", name, group)
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
	return []pulumi.Resource{zones, zoneLink}, nil
}

// withNew appends to list the resources it does not hold yet (two endpoints
// can share a zone, and so its link).
func withNew(list []pulumi.Resource, rs ...pulumi.Resource) []pulumi.Resource {
	for _, r := range rs {
		if !slices.Contains(list, r) {
			list = append(list, r)
		}
	}
	return list
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
