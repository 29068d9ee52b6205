package components_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

// runNetwork declares the network tier alone under mocks, in westus3.
func runNetwork(t *testing.T, space string) (*mockstack.Result, error) {
	t.Helper()
	return runNetworkIn(t, "westus3", space)
}

func runNetworkIn(t *testing.T, region, space string) (*mockstack.Result, error) {
	t.Helper()
	cfg := &mockstack.StackConfig{Project: "gpu-orchestration", Stack: "test", Values: map[string]string{}}
	return mockstack.RunConfig(cfg, func(ctx *pulumi.Context) (pulumi.Map, error) {
		net, err := components.NewNetwork(ctx, "net", &components.NetworkArgs{
			Placement: components.Placement{
				ResourceGroupName: pulumi.String("rg-test"),
				Location:          pulumi.String(region),
				Tags:              pulumi.StringMap{"stack": pulumi.String("test")},
				Naming:            components.NewNaming("test", mockstack.SubscriptionID, "rg-test"),
			},
			Region:       region,
			AddressSpace: space,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"vnetId": net.VNetID, "peSubnet": net.SubnetIDs[components.SubnetPrivateEndpoints]}, nil
	})
}

func TestSubnetPlanFitsTheFirst22(t *testing.T) {
	plan := components.SubnetPlan(netip.MustParsePrefix("10.60.0.0/16"))
	want := map[string]string{
		components.SubnetContainerApps:    "10.60.0.0/24",
		components.SubnetBatchPool:        "10.60.1.0/24",
		components.SubnetPrivateEndpoints: "10.60.2.0/27",
		components.SubnetDeploy:           "10.60.2.32/27",
	}
	first := netip.MustParsePrefix("10.60.0.0/22")
	for name, p := range plan {
		if p.String() != want[name] {
			t.Errorf("%s = %s, want %s", name, p, want[name])
		}
		if !first.Contains(p.Addr()) {
			t.Errorf("%s %s lies outside the first /22", name, p)
		}
		for other, q := range plan {
			if other != name && p.Overlaps(q) {
				t.Errorf("%s %s overlaps %s %s", name, p, other, q)
			}
		}
	}
	// The pool subnet holds the nodes config validation allows (Azure
	// reserves 5 addresses per subnet).
	if hosts := 1<<(32-plan[components.SubnetBatchPool].Bits()) - 5; hosts != config.MaxIsolatedPoolNodes {
		t.Errorf("pool subnet holds %d nodes, config allows %d", hosts, config.MaxIsolatedPoolNodes)
	}
	// Container Apps' minimum for a workload profiles environment is /27.
	if plan[components.SubnetContainerApps].Bits() > 27 {
		t.Errorf("environment subnet %s is smaller than /27", plan[components.SubnetContainerApps])
	}
}

func TestNetworkTier(t *testing.T) {
	res, err := runNetwork(t, "10.60.0.0/22")
	if err != nil {
		t.Fatal(err)
	}
	vnets := res.OfType("azure-native:network:VirtualNetwork")
	if len(vnets) != 1 {
		t.Fatalf("%d virtual networks, want 1", len(vnets))
	}
	vnet := vnets[0]
	if got := vnet.Input("addressSpace.addressPrefixes").ArrayValue(); len(got) != 1 || got[0].StringValue() != "10.60.0.0/22" {
		t.Errorf("address space %v", got)
	}
	subnets := map[string]resource.PropertyMap{}
	for _, s := range vnet.Input("subnets").ArrayValue() {
		m := s.ObjectValue()
		subnets[m["name"].StringValue()] = m
	}
	if len(subnets) != 4 {
		t.Fatalf("subnets %v", subnets)
	}
	cae := subnets[components.SubnetContainerApps]
	if d := cae["delegations"].ArrayValue(); len(d) != 1 || d[0].ObjectValue()["serviceName"].StringValue() != "Microsoft.App/environments" {
		t.Errorf("environment subnet delegations %v, want Microsoft.App/environments", cae["delegations"])
	}
	if v := subnets[components.SubnetPrivateEndpoints]["privateEndpointNetworkPolicies"]; !v.IsString() || v.StringValue() != "Disabled" {
		t.Errorf("private endpoint subnet network policies %v, want Disabled (Batch private endpoints)", v)
	}

	// Every subnet has its own NSG with the rules its service documents.
	nsgs := map[string]mockstack.Resource{}
	for _, n := range res.OfType("azure-native:network:NetworkSecurityGroup") {
		nsgs[n.String("networkSecurityGroupName")] = n
	}
	for name, s := range subnets {
		id := mockstack.Unwrap(s["networkSecurityGroup"].ObjectValue()["id"]).StringValue()
		nsgName := id[strings.LastIndex(id, "/")+1:]
		if _, ok := nsgs[nsgName]; !ok || !strings.HasSuffix(nsgName, strings.TrimPrefix(name, "snet-")) {
			t.Errorf("subnet %s uses NSG %q", name, nsgName)
		}
	}
	rule := func(nsg, name string) resource.PropertyMap {
		for _, r := range nsgs[nsg].Input("securityRules").ArrayValue() {
			if r.ObjectValue()["name"].StringValue() == name {
				return r.ObjectValue()
			}
		}
		t.Fatalf("NSG %s has no rule %s", nsg, name)
		return nil
	}
	lb := rule("nsg-gpuorch-test-cae", "AllowLoadBalancerToNodePorts")
	if lb["sourceAddressPrefix"].StringValue() != "AzureLoadBalancer" || lb["destinationPortRange"].StringValue() != "30000-32767" ||
		lb["destinationAddressPrefix"].StringValue() != "10.60.0.0/24" || lb["direction"].StringValue() != "Inbound" {
		t.Errorf("load balancer rule %v", lb)
	}
	// The service tag as Azure names it (region display name without
	// spaces), over any protocol as batch/batch-virtual-network.md lists it.
	nm := rule("nsg-gpuorch-test-batch", "AllowBatchNodeManagement")
	if nm["destinationAddressPrefix"].StringValue() != "BatchNodeManagement.WestUS3" || nm["direction"].StringValue() != "Outbound" ||
		nm["protocol"].StringValue() != "*" || nm["destinationPortRange"].StringValue() != "443" {
		t.Errorf("node management rule %v", nm)
	}
	pe := rule("nsg-gpuorch-test-batch", "AllowPrivateEndpoints")
	if pe["destinationAddressPrefix"].StringValue() != "10.60.2.0/27" || pe["destinationPortRange"].StringValue() != "443" {
		t.Errorf("pool to private endpoints rule %v", pe)
	}
	for _, n := range nsgs {
		for _, r := range n.Input("securityRules").ArrayValue() {
			if r.ObjectValue()["access"].StringValue() != "Allow" {
				t.Errorf("%s: rule %v is not an allow rule", n.Name, r)
			}
		}
	}

	// One zone per service, each linked to the network, none auto-registering.
	zones := map[string]bool{}
	for _, z := range res.OfType("azure-native:network:PrivateZone") {
		zones[z.String("privateZoneName")] = true
		if z.String("location") != "global" {
			t.Errorf("zone %s in %q, want global", z.Name, z.String("location"))
		}
	}
	for _, group := range []string{components.GroupBlob, components.GroupQueue, components.GroupVault,
		components.GroupRegistry, components.GroupBatchAccount, components.GroupNodeManagement} {
		if !zones[components.PrivateDNSZone(group)] {
			t.Errorf("no private DNS zone %q for %s", components.PrivateDNSZone(group), group)
		}
	}
	if len(zones) != 5 {
		t.Errorf("%d zones, want 5 (Batch's two sub-resources share one): %v", len(zones), zones)
	}
	links := res.OfType("azure-native:network:VirtualNetworkLink")
	linked := map[string]bool{}
	for _, l := range links {
		if !strings.HasSuffix(l.String("virtualNetwork.id"), "/vnet-gpuorch-test") {
			t.Errorf("link %s goes to %q", l.Name, l.String("virtualNetwork.id"))
		}
		if reg, _ := l.Bool("registrationEnabled"); reg {
			t.Errorf("link %s registers VMs", l.Name)
		}
		linked[l.String("privateZoneName")] = true
	}
	for z := range zones {
		if !linked[z] {
			t.Errorf("zone %s is not linked to the network", z)
		}
	}
	if got := res.Outputs["peSubnet"].Value; !strings.HasSuffix(got.(string), "/vnet-gpuorch-test/subnets/snet-pe") {
		t.Errorf("private endpoint subnet id %v", got)
	}
}

func TestNetworkRejectsABadAddressSpace(t *testing.T) {
	_, err := runNetwork(t, "10.60.0.0/25")
	if err == nil || !strings.Contains(err.Error(), "/16 to /22") {
		t.Fatalf("a /25 accepted or the error does not say what is allowed: %v", err)
	}
}

// A region without a known service tag name is refused before any NSG
// carries a tag Azure may not recognise.
func TestNetworkRejectsARegionWithoutServiceTagName(t *testing.T) {
	_, err := runNetworkIn(t, "marscentral", "10.60.0.0/22")
	if err == nil || !strings.Contains(err.Error(), `"marscentral"`) {
		t.Fatalf("an unknown region accepted, or the error does not name it: %v", err)
	}
}
