package stack_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

const (
	vnetType      = "azure-native:network:VirtualNetwork"
	endpointType  = "azure-native:network:PrivateEndpoint"
	zoneGroupType = "azure-native:network:PrivateDnsZoneGroup"
	zoneType      = "azure-native:network:PrivateZone"
	zoneLinkType  = "azure-native:network:VirtualNetworkLink"
	poolType      = "azure-native:batch:Pool"
)

// last is the final segment of an ARM id.
func last(id string) string { return id[strings.LastIndex(id, "/")+1:] }

// The data-plane services, the input naming each one's public network
// access, and the sub-resources it must have endpoints for.
var privateServices = []struct {
	typ, nameKey, access string
	groups               []string
}{
	{"azure-native:storage:StorageAccount", "accountName", "publicNetworkAccess", []string{"blob", "queue"}},
	{"azure-native:keyvault:Vault", "vaultName", "properties.publicNetworkAccess", []string{"vault"}},
	{"azure-native:containerregistry:Registry", "registryName", "publicNetworkAccess", []string{"registry"}},
	{"azure-native:batch:BatchAccount", "accountName", "publicNetworkAccess", []string{"batchAccount", "nodeManagement"}},
}

// Prod (networkIsolation: true): every endpoint sits in the private endpoint
// subnet, connects to its service's sub-resource, registers in that
// sub-resource's zone, and every zone is linked to the stack's network;
// public access is off on each service; the environment and the pool sit in
// their subnets; consumers start after the endpoints they use.
func TestProdTopology(t *testing.T) {
	res := deploy(t, "prod")
	vnet := one(t, res, vnetType)
	vnetName := vnet.String("virtualNetworkName")

	type endpoint struct {
		target, group, subnet, zone string
		urn                         string
	}
	byName := map[string]*endpoint{} // private endpoint name → facts
	for _, pe := range res.OfType(endpointType) {
		conn := pe.Input("privateLinkServiceConnections").ArrayValue()
		if len(conn) != 1 {
			t.Fatalf("endpoint %s has %d connections", pe.Name, len(conn))
		}
		c := conn[0].ObjectValue()
		groups := c["groupIds"].ArrayValue()
		byName[pe.String("privateEndpointName")] = &endpoint{
			target: last(mockstack.Unwrap(c["privateLinkServiceId"]).StringValue()),
			group:  groups[0].StringValue(),
			subnet: pe.String("subnet.id"),
			urn:    pe.URN(res.Project, res.Stack),
		}
	}
	zoneGroups := map[string]string{} // group id → zone group URN
	for _, zg := range res.OfType(zoneGroupType) {
		pe := byName[zg.String("privateEndpointName")]
		if pe == nil {
			t.Fatalf("zone group %s names no endpoint of the stack", zg.Name)
		}
		cfgs := zg.Input("privateDnsZoneConfigs").ArrayValue()
		if len(cfgs) != 1 {
			t.Fatalf("zone group %s has %d zones", zg.Name, len(cfgs))
		}
		pe.zone = last(mockstack.Unwrap(cfgs[0].ObjectValue()["privateDnsZoneId"]).StringValue())
		zoneGroups[pe.group] = zg.URN(res.Project, res.Stack)
	}
	for _, svc := range privateServices {
		r := one(t, res, svc.typ)
		if got := r.String(svc.access); got != "Disabled" {
			t.Errorf("%s %s = %q, want Disabled", svc.typ, svc.access, got)
		}
		for _, group := range svc.groups {
			var found *endpoint
			for _, pe := range byName {
				if pe.group == group {
					found = pe
				}
			}
			switch {
			case found == nil:
				t.Errorf("no private endpoint for %s", group)
			case found.target != r.String(svc.nameKey):
				t.Errorf("%s endpoint connects to %q, want %q", group, found.target, r.String(svc.nameKey))
			case !strings.HasSuffix(found.subnet, "/"+vnetName+"/subnets/"+components.SubnetPrivateEndpoints):
				t.Errorf("%s endpoint in subnet %q, want %s of %s", group, found.subnet, components.SubnetPrivateEndpoints, vnetName)
			case found.zone != components.PrivateDNSZone(group):
				t.Errorf("%s endpoint registers in zone %q, want %q", group, found.zone, components.PrivateDNSZone(group))
			}
		}
	}
	if len(byName) != 6 {
		t.Errorf("%d private endpoints, want 6", len(byName))
	}

	linked := map[string]string{}    // zone → linked network
	zoneLinks := map[string]string{} // zone → link URN
	for _, l := range res.OfType(zoneLinkType) {
		linked[l.String("privateZoneName")] = last(l.String("virtualNetwork.id"))
		zoneLinks[l.String("privateZoneName")] = l.URN(res.Project, res.Stack)
	}
	for _, z := range res.OfType(zoneType) {
		if name := z.String("privateZoneName"); linked[name] != vnetName {
			t.Errorf("zone %s linked to %q, want %s", name, linked[name], vnetName)
		}
	}

	if sku := one(t, res, "azure-native:containerregistry:Registry").String("sku.name"); sku != "Premium" {
		t.Errorf("registry SKU %q, want Premium (private endpoints)", sku)
	}
	env := one(t, res, envType)
	if subnet := env.String("vnetConfiguration.infrastructureSubnetId"); !strings.HasSuffix(subnet, "/"+vnetName+"/subnets/"+components.SubnetContainerApps) {
		t.Errorf("environment subnet %q", subnet)
	}
	if internal, set := env.Bool("vnetConfiguration.internal"); !set || internal {
		t.Errorf("environment internal=%v (set %v); the router's ingress must stay public", internal, set)
	}
	for _, app := range res.OfType(appType) {
		ext, _ := app.Bool("configuration.ingress.external")
		insecure, _ := app.Bool("configuration.ingress.allowInsecure")
		router := strings.HasSuffix(app.String("containerAppName"), "-router")
		if ext != router || insecure {
			t.Errorf("app %s: external %v allowInsecure %v; only the router is public, HTTPS only", app.Name, ext, insecure)
		}
	}
	pools := res.OfType(poolType) // one per GPU type of the fleet, all in the pool subnet
	for _, pool := range pools {
		if subnet := pool.String("networkConfiguration.subnetId"); !strings.HasSuffix(subnet, "/"+vnetName+"/subnets/"+components.SubnetBatchPool) {
			t.Errorf("pool %s subnet %q", pool.Name, subnet)
		}
		if ips := pool.String("networkConfiguration.publicIPAddressConfiguration.provision"); ips != components.PoolNoPublicIPs {
			t.Errorf("pool %s IP provisioning %q, want %s", pool.Name, ips, components.PoolNoPublicIPs)
		}
	}

	// Consumers start after the DNS records of the endpoints they use and
	// after those records' zones are linked to the network: before the link,
	// the network's resolver still answers with the closed public address.
	after := func(r mockstack.Resource, groups ...string) {
		t.Helper()
		for _, g := range groups {
			if !slices.Contains(r.Dependencies, zoneGroups[g]) {
				t.Errorf("%s %s does not wait for the %s endpoint's DNS record", r.Type, r.Name, g)
			}
			zone := components.PrivateDNSZone(g)
			if link := zoneLinks[zone]; link == "" || !slices.Contains(r.Dependencies, link) {
				t.Errorf("%s %s does not wait for zone %s's link to the network (%q)", r.Type, r.Name, zone, link)
			}
		}
	}
	for _, pool := range pools {
		after(pool, "nodeManagement", "batchAccount", "registry", "blob")
	}
	for _, img := range res.OfType("docker:index/image:Image") {
		after(img, "registry")
	}
	for _, app := range res.OfType(appType) {
		after(app, "registry")
		if strings.HasSuffix(app.String("containerAppName"), "-router") {
			after(app, "vault", "queue", "blob", "batchAccount")
		}
	}
}

// Prod's pool subnet lets the nodes reach Batch node management by the
// service tag as Azure spells it, over any protocol (batch-virtual-network.md
// lists "*"; Batch uses TCP today, UDP may come), and the isolated Batch
// account links no auto-storage, which the Batch service could not reach
// through the storage account's private endpoints (dev, public, links it).
func TestProdBatchNetworkRulesAndAutoStorage(t *testing.T) {
	res := deploy(t, "prod")
	var rule resource.PropertyMap
	for _, nsg := range res.OfType("azure-native:network:NetworkSecurityGroup") {
		for _, r := range nsg.Input("securityRules").ArrayValue() {
			if r.ObjectValue()["name"].StringValue() == "AllowBatchNodeManagement" {
				rule = r.ObjectValue()
			}
		}
	}
	if rule == nil {
		t.Fatal("no AllowBatchNodeManagement rule")
	}
	if got := rule["destinationAddressPrefix"].StringValue(); got != "BatchNodeManagement.SwedenCentral" {
		t.Errorf("node management tag %q, want BatchNodeManagement.SwedenCentral", got)
	}
	if got := rule["protocol"].StringValue(); got != "*" {
		t.Errorf("node management protocol %q, want *", got)
	}
	if auto := one(t, res, "azure-native:batch:BatchAccount").Input("autoStorage"); !auto.IsNull() {
		t.Errorf("prod Batch account links auto-storage %v", auto)
	}
	if mode := one(t, deploy(t, "dev"), "azure-native:batch:BatchAccount").String("autoStorage.authenticationMode"); mode != "BatchAccountManagedIdentity" {
		t.Errorf("dev auto-storage authentication %q", mode)
	}
}

// Dev (networkIsolation off) keeps public endpoints, cheap and deployable
// from anywhere, and says so explicitly.
func TestDevHasNoNetwork(t *testing.T) {
	res := deploy(t, "dev")
	for _, typ := range []string{vnetType, endpointType, zoneGroupType, zoneType, zoneLinkType, "azure-native:network:NetworkSecurityGroup"} {
		if n := len(res.OfType(typ)); n != 0 {
			t.Errorf("dev declares %d %s", n, typ)
		}
	}
	for _, svc := range privateServices {
		if got := one(t, res, svc.typ).String(svc.access); got != "Enabled" {
			t.Errorf("%s %s = %q, want Enabled", svc.typ, svc.access, got)
		}
	}
	if sku := one(t, res, "azure-native:containerregistry:Registry").String("sku.name"); sku != "Standard" {
		t.Errorf("dev registry SKU %q, want Standard", sku)
	}
	if one(t, res, envType).Input("vnetConfiguration").IsObject() {
		t.Error("dev environment joined to a network")
	}
	if one(t, res, poolType).Input("networkConfiguration").IsObject() {
		t.Error("dev pool placed in a subnet")
	}
}

// Turning isolation on in dev builds the same topology: the setting, not the
// stack's name, decides.
func TestIsolationFollowsTheSetting(t *testing.T) {
	res, err := deployWith(t, "dev", map[string]string{"networkIsolation": "true", "networkAddressSpace": "10.70.0.0/22"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.OfType(endpointType)); n != 6 {
		t.Errorf("%d private endpoints, want 6", n)
	}
	space := one(t, res, vnetType).Input("addressSpace.addressPrefixes").ArrayValue()
	if len(space) != 1 || space[0].StringValue() != "10.70.0.0/22" {
		t.Errorf("address space %v", space)
	}
	if _, err := deployWith(t, "dev", map[string]string{"networkAddressSpace": "10.70.0.0/26"}); err == nil ||
		!strings.Contains(err.Error(), "gpu-orchestration:networkAddressSpace") {
		t.Errorf("a /26 accepted, or the error does not name the key: %v", err)
	}
}
