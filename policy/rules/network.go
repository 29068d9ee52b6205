package rules

import (
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Network isolation: with the stack's networkIsolation on, the data plane of
// storage, Key Vault, the registry and Batch is reachable only through
// private endpoints whose names resolve in private DNS zones linked to the
// network, and the Batch pool's nodes have no public IP addresses. The rules
// are mandatory in such a stack and advisory elsewhere, where they list what
// is still public.

// privateServices are the services the platform puts behind private
// endpoints: where each says public network access, and the sub-resources
// (group ids) it needs an endpoint for.
var privateServices = []struct {
	typ    string
	access []string // path of publicNetworkAccess
	groups []string
}{
	{"storage:StorageAccount", []string{"publicNetworkAccess"}, []string{"blob", "queue"}},
	{"keyvault:Vault", []string{"properties", "publicNetworkAccess"}, []string{"vault"}},
	{"containerregistry:Registry", []string{"publicNetworkAccess"}, []string{"registry"}},
	// batchAccount: the Batch service API; nodeManagement: how nodes without
	// public IPs reach Batch (azure-docs batch/private-connectivity.md).
	{"batch:BatchAccount", []string{"publicNetworkAccess"}, []string{"batchAccount", "nodeManagement"}},
}

// privateZones are the private DNS zones of those sub-resources (azure-docs
// private-link/private-endpoint-dns.md, Azure public cloud).
var privateZones = map[string]string{
	"blob":           "privatelink.blob.core.windows.net",
	"queue":          "privatelink.queue.core.windows.net",
	"vault":          "privatelink.vaultcore.azure.net",
	"registry":       "privatelink.azurecr.io",
	"batchAccount":   "privatelink.batch.azure.com",
	"nodeManagement": "privatelink.batch.azure.com",
}

// noPublicIPs is the pool's IP provisioning type without public addresses.
const noPublicIPs = "NoPublicIPAddresses"

func networkPolicies(s Settings) []policyx.Policy {
	level, why := advisory, "networkIsolation is off in this stack"
	if s.NetworkIsolation {
		level, why = mandatory, "the stack sets networkIsolation: true"
	}
	return []policyx.Policy{
		resourceRule{
			name:        "network-public-access-off",
			description: "With network isolation, storage, Key Vault, the registry and Batch set public network access to Disabled (mandatory when the stack sets networkIsolation, advisory otherwise).",
			level:       level,
			types:       []string{"storage:StorageAccount", "keyvault:Vault", "containerregistry:Registry", "batch:BatchAccount"},
			check: func(t target, report func(string, ...any)) {
				for _, svc := range privateServices {
					if !typeIs(t.Type, svc.typ) {
						continue
					}
					f := get(t.Props, svc.access...)
					if f.unknown() {
						return
					}
					if v, _ := f.str(); !strings.EqualFold(v, "Disabled") {
						report("%s %q: set %s to \"Disabled\" (it is %s) and reach it through its private endpoint; %s",
							kindOf(t.Type), t.Name, strings.Join(svc.access, "."), describe(f), why)
					}
				}
			},
		}.policy(),
		stackRule{
			name: "network-private-endpoints",
			description: "With network isolation, storage (blob, queue), Key Vault, the registry (Premium) and Batch (batchAccount, nodeManagement) " +
				"each have a private endpoint for every sub-resource the platform uses (mandatory when the stack sets networkIsolation, advisory otherwise).",
			level: level,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				g := newGraph(resources)
				for _, svc := range privateServices {
					for _, r := range ofType(resources, svc.typ) {
						for _, group := range svc.groups {
							if len(g.endpoints(r, group)) == 0 {
								report(r.URN, "%s %q has no private endpoint for sub-resource %q: add a network:PrivateEndpoint with groupIds [%q] in the private endpoint subnet; %s",
									kindOf(r.Type), r.Name, group, group, why)
							}
						}
						if typeIs(r.Type, "containerregistry:Registry") && len(g.endpoints(r, "registry")) > 0 {
							if sku, ok := get(r.Properties, "sku", "name").str(); ok && !strings.EqualFold(sku, "Premium") {
								report(r.URN, "container registry %q has a private endpoint but SKU %q: private endpoints need the Premium SKU", r.Name, sku)
							}
						}
					}
				}
			},
		}.policy(),
		stackRule{
			name: "network-private-dns",
			description: "Every private endpoint of those services registers in the private DNS zone of its sub-resource (a DNS zone group), " +
				"and that zone is linked to the endpoint's virtual network, so the service's name resolves privately (mandatory when the stack sets networkIsolation, advisory otherwise).",
			level: level,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				g := newGraph(resources)
				for _, svc := range privateServices {
					for _, r := range ofType(resources, svc.typ) {
						for _, group := range svc.groups {
							for _, pe := range g.endpoints(r, group) {
								g.checkDNS(pe, group, report)
							}
						}
					}
				}
			},
		}.policy(),
		resourceRule{
			name:        "batch-pool-no-public-ip",
			description: "With network isolation, the Batch pool's nodes sit in the stack's subnet without public IP addresses (mandatory when the stack sets networkIsolation, advisory otherwise).",
			level:       level,
			types:       []string{"batch:Pool"},
			check: func(t target, report func(string, ...any)) {
				cfg := get(t.Props, "networkConfiguration")
				if cfg.unknown() {
					return
				}
				if get(t.Props, "networkConfiguration", "subnetId").absent() {
					report("batch pool %q: set networkConfiguration.subnetId to the pool's subnet; %s", t.Name, why)
				}
				p := get(t.Props, "networkConfiguration", "publicIPAddressConfiguration", "provision")
				if p.unknown() {
					return
				}
				if v, _ := p.str(); v != noPublicIPs {
					report("batch pool %q: set networkConfiguration.publicIPAddressConfiguration.provision to %q (it is %s); %s",
						t.Name, noPublicIPs, describe(p), why)
				}
			},
		}.policy(),
	}
}

// graph answers questions about references between resources through the
// dependencies the engine records (input-derived and explicit), which are
// known even while ids are not, during a preview.
type graph struct {
	resources []policyx.AnalyzerResource
}

func newGraph(resources []policyx.AnalyzerResource) graph { return graph{resources: resources} }

func dependsOn(r policyx.AnalyzerResource, urn string) bool {
	if slices.Contains(r.Dependencies, urn) {
		return true
	}
	for _, deps := range r.PropertyDependencies {
		if slices.Contains(deps, urn) {
			return true
		}
	}
	return false
}

// dependents are the resources of type typ that depend on r.
func (g graph) dependents(r policyx.AnalyzerResource, typ string) []policyx.AnalyzerResource {
	var out []policyx.AnalyzerResource
	for _, d := range ofType(g.resources, typ) {
		if dependsOn(d, r.URN) {
			out = append(out, d)
		}
	}
	return out
}

// dependencies are the resources of type typ that r depends on.
func (g graph) dependencies(r policyx.AnalyzerResource, typ string) []policyx.AnalyzerResource {
	var out []policyx.AnalyzerResource
	for _, d := range ofType(g.resources, typ) {
		if dependsOn(r, d.URN) {
			out = append(out, d)
		}
	}
	return out
}

// endpoints are the private endpoints connected to r for group.
func (g graph) endpoints(r policyx.AnalyzerResource, group string) []policyx.AnalyzerResource {
	var out []policyx.AnalyzerResource
	for _, pe := range g.dependents(r, "network:PrivateEndpoint") {
		if slices.Contains(groupIDs(pe.Properties), group) {
			out = append(out, pe)
		}
	}
	return out
}

// groupIDs are the sub-resources an endpoint connects to.
func groupIDs(props property.Map) []string {
	var out []string
	for _, c := range get(props, "privateLinkServiceConnections").items() {
		for _, id := range getValue(c, "groupIds").items() {
			if id.IsString() {
				out = append(out, id.AsString())
			}
		}
	}
	return out
}

// checkDNS reports an endpoint that no DNS zone group registers in its
// sub-resource's zone, or whose zone is not linked to its network.
func (g graph) checkDNS(pe policyx.AnalyzerResource, group string, report func(string, string, ...any)) {
	want := privateZones[group]
	var zones []policyx.AnalyzerResource
	for _, zg := range g.dependents(pe, "network:PrivateDnsZoneGroup") {
		for _, z := range g.dependencies(zg, "network:PrivateZone") {
			if name, ok := get(z.Properties, "privateZoneName").str(); ok && strings.EqualFold(name, want) {
				zones = append(zones, z)
			}
		}
	}
	if len(zones) == 0 {
		report(pe.URN, "private endpoint %q (%s) registers in no private DNS zone %s: add a network:PrivateDnsZoneGroup on it naming that zone, or clients keep resolving the public address",
			pe.Name, group, want)
		return
	}
	vnets := g.dependencies(pe, "network:VirtualNetwork")
	for _, z := range zones {
		linked := false
		for _, l := range g.dependents(z, "network:VirtualNetworkLink") {
			for _, v := range vnets {
				if dependsOn(l, v.URN) {
					linked = true
				}
			}
		}
		if !linked {
			report(z.URN, "private DNS zone %s is not linked to the virtual network of private endpoint %q: add a network:VirtualNetworkLink from the zone to that network",
				want, pe.Name)
		}
	}
}
