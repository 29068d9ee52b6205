package components

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// Subnet names (Cloud Adoption Framework "snet") of the isolated network.
const (
	SubnetContainerApps    = "snet-cae"
	SubnetBatchPool        = "snet-batch"
	SubnetPrivateEndpoints = "snet-pe"
	SubnetDeploy           = "snet-deploy"
)

// SubnetPlan carves the subnets from the first /22 of the address space:
//
//   - snet-cae /24: the Container Apps environment. A workload profiles
//     environment needs a dedicated subnet of at least /27 delegated to
//     Microsoft.App/environments, reserves 12 addresses, and takes one
//     address per 10 Consumption replicas, doubled during a revision change;
//     the size cannot be changed later (azure-docs
//     container-apps/custom-virtual-networks.md, "Subnet"). A /24 leaves
//     room for 1,190 replicas.
//   - snet-batch /24: one address per pool node (azure-docs
//     batch/simplified-node-communication-pool-no-public-ip.md: the subnet
//     must hold every targeted node or the resize fails).
//   - snet-pe /27: the private endpoints (six today).
//   - snet-deploy /27: the runner that deploys the stack from inside the
//     network (README, "Network isolation").
func SubnetPlan(space netip.Prefix) map[string]netip.Prefix {
	base := space.Masked().Addr().As4()
	at := func(offset int, bits int) netip.Prefix {
		b := base
		n := int(b[2])<<8 | int(b[3])
		n += offset
		b[2], b[3] = byte(n>>8), byte(n)
		return netip.PrefixFrom(netip.AddrFrom4(b), bits)
	}
	return map[string]netip.Prefix{
		SubnetContainerApps:    at(0, 24),
		SubnetBatchPool:        at(256, 24),
		SubnetPrivateEndpoints: at(512, 27),
		SubnetDeploy:           at(544, 27),
	}
}

// Private DNS zones of the private endpoints' sub-resources (group ids), for
// the Azure public cloud (azure-docs private-link/private-endpoint-dns.md;
// Batch: batch/private-connectivity.md — one zone for both sub-resources).
var privateDNSZones = map[string]string{
	GroupBlob:           "privatelink.blob.core.windows.net",
	GroupQueue:          "privatelink.queue.core.windows.net",
	GroupVault:          "privatelink.vaultcore.azure.net",
	GroupRegistry:       "privatelink.azurecr.io",
	GroupBatchAccount:   "privatelink.batch.azure.com",
	GroupNodeManagement: "privatelink.batch.azure.com",
}

// Private endpoint sub-resources (group ids) the stack uses.
const (
	GroupBlob           = "blob"
	GroupQueue          = "queue"
	GroupVault          = "vault"
	GroupRegistry       = "registry"
	GroupBatchAccount   = "batchAccount"
	GroupNodeManagement = "nodeManagement"
)

// PrivateDNSZone is the private DNS zone of a private endpoint group id.
func PrivateDNSZone(group string) string { return privateDNSZones[group] }

// NetworkArgs configures the network tier.
type NetworkArgs struct {
	Placement
	// Region is the ARM name of Placement's location (e.g. swedencentral):
	// the NSG rules name its regional service tags.
	Region string
	// AddressSpace is the virtual network's IPv4 prefix, /16 to /22.
	AddressSpace string
}

// Network is the stack's virtual network when isolation is on: the
// delegated Container Apps subnet, the Batch pool's subnet, the private
// endpoints' subnet and the deployment runner's subnet, each with its
// network security group, and one private DNS zone per service linked to the
// network, so that the service names resolve to private endpoint addresses
// from inside it.
type Network struct {
	pulumi.ResourceState

	// VNetID is the virtual network's resource id.
	VNetID pulumi.StringOutput `pulumi:"vnetId"`
	// SubnetIDs are the subnets' resource ids by name (SubnetContainerApps, …).
	SubnetIDs map[string]pulumi.StringOutput `pulumi:"-"`
	// Endpoints is where the tiers put their private endpoints.
	Endpoints *PrivateLink `pulumi:"-"`
}

// PrivateLink is where a tier places its private endpoints: the subnet, the
// private DNS zone id of each sub-resource (group id) for the endpoint's DNS
// zone group, and the link of that zone to the network, without which the
// zone's records do not resolve there.
type PrivateLink struct {
	SubnetID  pulumi.StringInput
	ZoneIDs   map[string]pulumi.StringInput
	ZoneLinks map[string]pulumi.Resource
}

// nsgRule is one allow rule of a subnet's network security group, with the
// document that asks for it.
type nsgRule struct {
	name, direction, protocol string
	source, destination       string
	ports                     string
	priority                  int
	why                       string
}

// subnetRules are the rules each subnet's NSG adds to Azure's defaults
// (which already allow traffic within the virtual network and from the load
// balancer, deny other inbound traffic and allow outbound traffic). They are
// written out so that a later deny rule, or a reader, sees what each service
// needs. "<self>", "<pe>" and "<region>" (the region as service tags spell
// it, config.ServiceTagRegion) are filled in per stack.
var subnetRules = map[string][]nsgRule{
	// Workload profiles environment (azure-docs
	// container-apps/firewall-integration.md, "NSG allow rules", workload
	// profiles tab). Client traffic to the router's external ingress arrives
	// on the environment's public IP in its managed resource group, not
	// through this subnet, so it needs no inbound rule here.
	SubnetContainerApps: {
		{"AllowLoadBalancerToNodePorts", "Inbound", "Tcp", "AzureLoadBalancer", "<self>", "30000-32767", 100,
			"Azure Load Balancer probes reach the environment's node ports"},
		{"AllowAzureMonitor", "Outbound", "Tcp", "<self>", "AzureMonitor", "443", 100, "logs and metrics to Azure Monitor"},
		{"AllowMicrosoftContainerRegistry", "Outbound", "Tcp", "<self>", "MicrosoftContainerRegistry", "443", 110, "the platform's own images"},
		{"AllowAzureFrontDoorFirstParty", "Outbound", "Tcp", "<self>", "AzureFrontDoor.FirstParty", "443", 120, "a dependency of MicrosoftContainerRegistry"},
		{"AllowAzureCloud", "Outbound", "Tcp", "<self>", "AzureCloud", "443", 130, "FQDN-based platform dependencies (Entra ID tokens among them)"},
		{"AllowNtp", "Outbound", "Udp", "<self>", "*", "123", 140, "NTP"},
		{"AllowWithinSubnet", "Outbound", "*", "<self>", "<self>", "*", 150, "replicas and platform components talk to each other"},
		{"AllowPrivateEndpoints", "Outbound", "Tcp", "<self>", "<pe>", "443", 160, "registry pulls, Key Vault, queues, blobs and Batch through their private endpoints"},
	},
	// Simplified node communication: no inbound rule; outbound 443 to
	// BatchNodeManagement.<region> over any protocol ("Batch currently only
	// uses TCP, but UDP might be required for future compatibility":
	// azure-docs batch/batch-virtual-network.md, "Outbound security rules";
	// batch/simplified-compute-node-communication.md). With the
	// nodeManagement private endpoint that traffic stays in the network
	// (batch/simplified-node-communication-pool-no-public-ip.md).
	SubnetBatchPool: {
		{"AllowPrivateEndpoints", "Outbound", "Tcp", "<self>", "<pe>", "443", 100, "node management, registry pulls and blobs through their private endpoints"},
		{"AllowBatchNodeManagement", "Outbound", "*", "<self>", "BatchNodeManagement.<region>", "443", 110, "the rule simplified node communication documents"},
	},
	// Private endpoints answer HTTPS from inside the network only. The
	// subnet keeps private endpoint network policies disabled, as Batch
	// private endpoints require (batch/simplified-node-communication-pool-no-public-ip.md),
	// so these rules state intent and bind any other NIC placed here.
	SubnetPrivateEndpoints: {
		{"AllowVirtualNetworkHttps", "Inbound", "Tcp", "VirtualNetwork", "<self>", "443", 100, "clients inside the network reach the endpoints"},
	},
	// The deployment runner needs no inbound rule; its outbound HTTPS to
	// ARM, Entra ID and the private endpoints is allowed by default.
	SubnetDeploy: {},
}

// subnetOrder is the order subnets are declared in.
var subnetOrder = []string{SubnetContainerApps, SubnetBatchPool, SubnetPrivateEndpoints, SubnetDeploy}

// NewNetwork declares the virtual network, its subnets and their NSGs, and
// the private DNS zones linked to it.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	space, err := config.ParseAddressSpace(args.AddressSpace)
	if err != nil {
		return nil, fmt.Errorf("network address space %q: %w", args.AddressSpace, err)
	}
	tagRegion, ok := config.ServiceTagRegion(args.Region)
	if !ok {
		return nil, fmt.Errorf("network region %q: no service tag name known for it (components/config/regions.go)", args.Region)
	}
	comp := &Network{SubnetIDs: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("gpu-orchestration:network:Network", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)
	plan := SubnetPlan(space)
	vnetName := args.Naming.Hyphenated("vnet")

	subnets := network.SubnetTypeArray{}
	for _, sn := range subnetOrder {
		nsg, err := network.NewNetworkSecurityGroup(ctx, name+"-nsg-"+strings.TrimPrefix(sn, "snet-"), &network.NetworkSecurityGroupArgs{
			NetworkSecurityGroupName: pulumi.String(args.Naming.Hyphenated("nsg") + "-" + strings.TrimPrefix(sn, "snet-")),
			ResourceGroupName:        args.ResourceGroupName,
			Location:                 args.Location,
			SecurityRules:            securityRules(sn, plan, tagRegion),
			Tags:                     args.Tags,
		}, child)
		if err != nil {
			return nil, fmt.Errorf("network security group for %s: %w", sn, err)
		}
		subnet := network.SubnetTypeArgs{
			Name:                 pulumi.String(sn),
			AddressPrefix:        pulumi.String(plan[sn].String()),
			NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: nsg.ID().ToStringOutput()},
		}
		switch sn {
		case SubnetContainerApps:
			subnet.Delegations = network.DelegationArray{network.DelegationArgs{
				Name: pulumi.String("container-apps"), ServiceName: pulumi.String("Microsoft.App/environments"),
			}}
		case SubnetPrivateEndpoints:
			subnet.PrivateEndpointNetworkPolicies = pulumi.String("Disabled")
		}
		subnets = append(subnets, subnet)
	}
	// Subnets are declared inside the virtual network, not as separate
	// Subnet resources: a virtual network update that omits them would
	// delete them (pulumi/pulumi-azure-native issues 74 and 611).
	vnet, err := network.NewVirtualNetwork(ctx, name+"-vnet", &network.VirtualNetworkArgs{
		VirtualNetworkName: pulumi.String(vnetName),
		ResourceGroupName:  args.ResourceGroupName,
		Location:           args.Location,
		AddressSpace:       &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(space.String())}},
		Subnets:            subnets,
		Tags:               args.Tags,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("virtual network: %w", err)
	}
	vnetID := vnet.ID().ToStringOutput()
	for _, sn := range subnetOrder {
		// A subnet's id is its virtual network's id and its name.
		comp.SubnetIDs[sn] = pulumi.Sprintf("%s/subnets/%s", vnetID, sn)
	}

	link := &PrivateLink{SubnetID: comp.SubnetIDs[SubnetPrivateEndpoints], ZoneIDs: map[string]pulumi.StringInput{}, ZoneLinks: map[string]pulumi.Resource{}}
	zoneIDs := map[string]pulumi.StringOutput{}
	zoneLinks := map[string]pulumi.Resource{}
	for _, group := range []string{GroupBlob, GroupQueue, GroupVault, GroupRegistry, GroupBatchAccount, GroupNodeManagement} {
		zoneName := privateDNSZones[group]
		if id, ok := zoneIDs[zoneName]; ok {
			link.ZoneIDs[group], link.ZoneLinks[group] = id, zoneLinks[zoneName]
			continue
		}
		logical := name + "-dns-" + strings.ReplaceAll(strings.TrimPrefix(zoneName, "privatelink."), ".", "-")
		zone, err := network.NewPrivateZone(ctx, logical, &network.PrivateZoneArgs{
			PrivateZoneName:   pulumi.String(zoneName),
			ResourceGroupName: args.ResourceGroupName,
			// Private DNS zones are global resources.
			Location: pulumi.String("global"),
			Tags:     args.Tags,
		}, child)
		if err != nil {
			return nil, fmt.Errorf("private DNS zone %s: %w", zoneName, err)
		}
		vnetLink, err := network.NewVirtualNetworkLink(ctx, logical+"-link", &network.VirtualNetworkLinkArgs{
			VirtualNetworkLinkName: pulumi.String(vnetName),
			PrivateZoneName:        zone.Name,
			ResourceGroupName:      args.ResourceGroupName,
			Location:               pulumi.String("global"),
			VirtualNetwork:         &network.SubResourceArgs{Id: vnetID},
			// Endpoints register through their DNS zone groups, not VMs.
			RegistrationEnabled: pulumi.Bool(false),
			Tags:                args.Tags,
		}, child)
		if err != nil {
			return nil, fmt.Errorf("private DNS zone %s link: %w", zoneName, err)
		}
		zoneIDs[zoneName], zoneLinks[zoneName] = zone.ID().ToStringOutput(), vnetLink
		link.ZoneIDs[group], link.ZoneLinks[group] = zoneIDs[zoneName], vnetLink
	}

	comp.VNetID = vnetID
	comp.Endpoints = link
	outputs := pulumi.Map{"vnetId": vnetID}
	for sn, id := range comp.SubnetIDs {
		outputs[sn+"Id"] = id
	}
	return comp, ctx.RegisterResourceOutputs(comp, outputs)
}

// newNetworkIfIsolated declares the network tier when the stack asks for
// isolation, and returns nil otherwise.
func newNetworkIfIsolated(ctx *pulumi.Context, name string, n config.Network, region string, place Placement, opts ...pulumi.ResourceOption) (*Network, error) {
	if !n.Isolation {
		return nil, nil
	}
	return NewNetwork(ctx, name+"-network", &NetworkArgs{Placement: place, Region: region, AddressSpace: n.AddressSpace}, opts...)
}

// link is where tiers put private endpoints; nil without isolation.
func (n *Network) link() *PrivateLink {
	if n == nil {
		return nil
	}
	return n.Endpoints
}

// subnet is a subnet's id; nil without isolation.
func (n *Network) subnet(name string) pulumi.StringInput {
	if n == nil {
		return nil
	}
	return n.SubnetIDs[name]
}

// securityRules fills in the subnet's rules; tagRegion is the region as
// regional service tags spell it.
func securityRules(subnet string, plan map[string]netip.Prefix, tagRegion string) network.SecurityRuleTypeArray {
	out := network.SecurityRuleTypeArray{}
	fill := func(s string) pulumi.StringInput {
		switch s {
		case "<self>":
			return pulumi.String(plan[subnet].String())
		case "<pe>":
			return pulumi.String(plan[SubnetPrivateEndpoints].String())
		}
		if tag, ok := strings.CutSuffix(s, "<region>"); ok {
			return pulumi.String(tag + tagRegion)
		}
		return pulumi.String(s)
	}
	for _, r := range subnetRules[subnet] {
		out = append(out, network.SecurityRuleTypeArgs{
			Name:                     pulumi.String(r.name),
			Description:              pulumi.String(r.why),
			Direction:                pulumi.String(r.direction),
			Access:                   pulumi.String("Allow"),
			Protocol:                 pulumi.String(r.protocol),
			Priority:                 pulumi.Int(r.priority),
			SourceAddressPrefix:      fill(r.source),
			SourcePortRange:          pulumi.String("*"),
			DestinationAddressPrefix: fill(r.destination),
			DestinationPortRange:     pulumi.String(r.ports),
		})
	}
	return out
}
