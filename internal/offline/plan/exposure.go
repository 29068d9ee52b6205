package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Exposure is what a plan leaves reachable from the internet and what it
// puts behind private endpoints: the network isolation of a stack at a
// glance, for `gpuorch preview -against`.
type Exposure struct {
	VirtualNetworks  int `json:"virtualNetworks"`
	PrivateEndpoints int `json:"privateEndpoints"`
	PrivateDNSZones  int `json:"privateDNSZones"`
	// PublicAccess is each data-plane service's public network access
	// ("Enabled", "Disabled", or "default" when unset), by "kind/name".
	PublicAccess map[string]string `json:"publicAccess"`
	// PoolIPs is each Batch pool's IP provisioning ("public IPs" unless the
	// nodes have none), by pool name.
	PoolIPs map[string]string `json:"poolIPs"`
}

// publicAccessPaths says where each data-plane service states its public
// network access.
var publicAccessPaths = map[string]struct{ kind, path string }{
	typeStorage:                       {"storage", "publicNetworkAccess"},
	typeVault:                         {"key vault", "properties.publicNetworkAccess"},
	typeRegistry:                      {"registry", "publicNetworkAccess"},
	"azure-native:batch:BatchAccount": {"batch", "publicNetworkAccess"},
}

// ExposureOf reads a plan's exposure from its resources' inputs.
func ExposureOf(d Document) Exposure {
	e := Exposure{PublicAccess: map[string]string{}, PoolIPs: map[string]string{}}
	for _, r := range d.Resources {
		switch r.Type {
		case "azure-native:network:VirtualNetwork":
			e.VirtualNetworks++
		case typeEndpoint:
			e.PrivateEndpoints++
		case typePrivateZone:
			e.PrivateDNSZones++
		case typePool:
			ips := "public IPs"
			if r.Str("networkConfiguration.publicIPAddressConfiguration.provision") == "NoPublicIPAddresses" {
				ips = "no public IPs"
			}
			e.PoolIPs[r.Name] = ips
		}
		if svc, ok := publicAccessPaths[r.Type]; ok {
			v := r.Str(svc.path)
			if v == "" {
				v = "default"
			}
			e.PublicAccess[svc.kind+"/"+r.Name] = v
		}
	}
	return e
}

// String is one line: "1 virtual network, 6 private endpoints, 5 private DNS
// zones; public network access off: batch, key vault, registry, storage;
// pool: no public IPs".
func (e Exposure) String() string {
	var off, on []string
	for svc, v := range e.PublicAccess {
		kind, _, _ := strings.Cut(svc, "/")
		if strings.EqualFold(v, "Disabled") {
			off = append(off, kind)
		} else {
			on = append(on, kind)
		}
	}
	sort.Strings(off)
	sort.Strings(on)
	parts := []string{fmt.Sprintf("%d virtual network(s), %d private endpoint(s), %d private DNS zone(s)", e.VirtualNetworks, e.PrivateEndpoints, e.PrivateDNSZones)}
	if len(off) > 0 {
		parts = append(parts, "public network access off: "+strings.Join(off, ", "))
	}
	if len(on) > 0 {
		parts = append(parts, "public network access on: "+strings.Join(on, ", "))
	}
	// One per GPU type; the same provisioning is said once.
	var pools []string
	for _, v := range e.PoolIPs {
		if !slices.Contains(pools, v) {
			pools = append(pools, v)
		}
	}
	sort.Strings(pools)
	if len(pools) > 0 {
		parts = append(parts, "pool: "+strings.Join(pools, ", "))
	}
	return strings.Join(parts, "; ")
}
