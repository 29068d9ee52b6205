package schemacheck

import (
	"path/filepath"
	"sort"
)

// ResourceType says where the provider declares a resource type's Args: the
// type token the program registers, the .d.ts file and interface of its
// Args, and the namespace of types/input.d.ts holding its nested Args.
type ResourceType struct {
	Token     string
	ArgsDTS   string
	Interface string
	Namespace string
}

// Sent is one resource as a mocked run of the program registers it: its
// type token, logical name and inputs (JSON-shaped, as `gpuorch preview
// -json` prints them).
type Sent struct {
	Type   string
	Name   string
	Inputs map[string]any
}

// CheckInputs compares the inputs the program actually sends for each
// resource of the given types with the provider's Args interfaces, nested
// objects and arrays of objects included. Unlike Check, which reads a
// binding's Go type, it checks what a stack sends — so it covers the SDK's
// generated resources too (a field that the Go type has but this provider
// version does not, or an object placed at the wrong level).
func CheckInputs(root string, types []ResourceType, sent []Sent) (*Report, error) {
	rep := &Report{}
	checked := map[string]bool{}
	for _, rt := range types {
		top, err := parseInterfaces(filepath.Join(root, rt.ArgsDTS), "", 0)
		if err != nil {
			return nil, err
		}
		ns, err := parseInterfaces(filepath.Join(root, "types", "input.d.ts"), rt.Namespace, 4)
		if err != nil {
			return nil, err
		}
		if _, ok := top[rt.Interface]; !ok {
			rep.Findings = append(rep.Findings, Finding{Interface: rt.Interface, Problem: "no such interface in " + rt.ArgsDTS})
			continue
		}
		lookup := func(name string) (map[string]string, bool) {
			if p, ok := top[name]; ok {
				return p, true
			}
			p, ok := ns[name]
			return p, ok
		}
		for _, s := range sent {
			if s.Type == rt.Token {
				compareObject(rt.Interface, s.Inputs, lookup, rep, checked)
			}
		}
	}
	for c := range checked {
		rep.Checked = append(rep.Checked, c)
	}
	sort.Strings(rep.Checked)
	sort.Slice(rep.Findings, func(i, j int) bool { return rep.Findings[i].String() < rep.Findings[j].String() })
	return rep, nil
}

// compareObject checks one object's keys against its interface and descends
// into values whose property names a nested Args interface.
func compareObject(iface string, obj map[string]any, lookup func(string) (map[string]string, bool), rep *Report, checked map[string]bool) {
	props, ok := lookup(iface)
	if !ok {
		rep.Findings = append(rep.Findings, Finding{Interface: iface, Problem: "no such interface in the provider's type definitions"})
		return
	}
	for key, value := range obj {
		nested, declared := props[key]
		if !declared {
			f := Finding{Interface: iface, Property: key, Problem: "sent by the program but not a property the provider declares"}
			if !checked[f.String()] {
				rep.Findings = append(rep.Findings, f)
			}
			checked[f.String()] = true // reported once
			continue
		}
		checked[iface+"."+key] = true
		if nested == "" {
			continue
		}
		switch v := value.(type) {
		case map[string]any:
			compareObject(nested, v, lookup, rep, checked)
		case []any:
			for _, e := range v {
				if m, ok := e.(map[string]any); ok {
					compareObject(nested, m, lookup, rep, checked)
				}
			}
		}
	}
}

// NetworkTypes are the network tier's resource types (azure-native's
// network module).
var NetworkTypes = []ResourceType{
	{"azure-native:network:VirtualNetwork", "network/virtualNetwork.d.ts", "VirtualNetworkArgs", "network"},
	{"azure-native:network:NetworkSecurityGroup", "network/networkSecurityGroup.d.ts", "NetworkSecurityGroupArgs", "network"},
	{"azure-native:network:PrivateEndpoint", "network/privateEndpoint.d.ts", "PrivateEndpointArgs", "network"},
	{"azure-native:network:PrivateDnsZoneGroup", "network/privateDnsZoneGroup.d.ts", "PrivateDnsZoneGroupArgs", "network"},
	{"azure-native:network:PrivateZone", "network/privateZone.d.ts", "PrivateZoneArgs", "network"},
	{"azure-native:network:VirtualNetworkLink", "network/virtualNetworkLink.d.ts", "VirtualNetworkLinkArgs", "network"},
}
