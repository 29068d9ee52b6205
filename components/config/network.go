package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// Address ranges a Container Apps workload profiles environment's subnet
// must not overlap: the ranges AKS reserves and those the environment itself
// reserves (azure-docs container-apps/custom-virtual-networks.md, "Subnet
// address range restrictions"). The whole virtual network is kept clear of
// them, since its first /22 holds that subnet.
var reservedByContainerApps = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.30.0.0/16"),
	netip.MustParsePrefix("172.31.0.0/16"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("100.100.0.0/17"),
	netip.MustParsePrefix("100.100.128.0/19"),
	netip.MustParsePrefix("100.100.160.0/19"),
	netip.MustParsePrefix("100.100.192.0/19"),
}

// Bounds of networkAddressSpace: the subnets take the first /22
// (components.SubnetPlan), and a virtual network larger than a /16 buys
// nothing here.
const (
	minNetworkBits = 16
	maxNetworkBits = 22
)

// MaxIsolatedPoolNodes is how many nodes the isolated pools' subnet holds:
// a /24 (components.SubnetPlan) less the 5 addresses Azure reserves in every
// subnet. A pool whose subnet lacks addresses for its target allocates
// partially and reports a resize error (azure-docs
// batch/simplified-node-communication-pool-no-public-ip.md, prerequisites).
const MaxIsolatedPoolNodes = 256 - 5

// ParseAddressSpace checks a virtual network address space: an IPv4 prefix
// of /16 to /22 written at its network address, clear of the ranges
// Container Apps reserves. The error says what is allowed.
func ParseAddressSpace(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil || !p.Addr().Is4():
		return netip.Prefix{}, fmt.Errorf("allowed: an IPv4 prefix in CIDR notation such as 10.60.0.0/22")
	case p.Bits() < minNetworkBits || p.Bits() > maxNetworkBits:
		return netip.Prefix{}, fmt.Errorf("allowed: a /%d to /%d (the subnets need a /22)", minNetworkBits, maxNetworkBits)
	case p.Masked() != p:
		return netip.Prefix{}, fmt.Errorf("allowed: the prefix written at its network address, %s", p.Masked())
	}
	for _, r := range reservedByContainerApps {
		if r.Overlaps(p) {
			return netip.Prefix{}, fmt.Errorf("allowed: a range clear of %s, which Container Apps reserves", r)
		}
	}
	return p, nil
}

func (c *Config) validateNetwork(add func(key string, value any, allowed string)) {
	if _, err := ParseAddressSpace(c.Network.AddressSpace); err != nil {
		add("networkAddressSpace", c.Network.AddressSpace, err.Error())
	}
	if _, known := ServiceTagRegion(c.Location); c.Network.Isolation && c.Location != "" && !known {
		add("location", c.Location, "with networkIsolation, a region whose service tag name the stack knows (the pool subnet's NSG names BatchNodeManagement.<Region>): "+
			strings.Join(serviceTagRegions(), ", "))
	}
}
