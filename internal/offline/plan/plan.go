// Package plan turns a mocked run of a stack into the offline plan document
// `gpuorch preview` prints: every resource with its inputs, the outputs, the
// policy pack's results and a cost estimate (footprint.go reads what is
// billed from the resources; internal/azure/pricing prices it). Secret values never
// appear in clear. diff.go compares two stacks' plans; settings.go picks the
// settings a reviewer looks at first.
package plan

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/pricing"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

// Masks for values a plan must not or cannot show.
const (
	Secret  = "[secret]"
	Unknown = "[unknown]"
)

// Document is the JSON schema of `gpuorch preview -json` (docs/preview.md).
// The top-level keys and the resource keys are stable: a key may be added,
// none renamed or removed. Every key is always present; lists are [] when
// empty, never null.
type Document struct {
	// Stack and Project name the Pulumi stack and project.
	Stack   string `json:"stack"`
	Project string `json:"project"`
	// Resources are in registration order, components before their children.
	Resources []Resource `json:"resources"`
	// Outputs are the stack outputs by name, masked like inputs.
	Outputs map[string]any `json:"outputs"`
	// Policy holds the policy pack's findings, mandatory and advisory.
	Policy []Violation `json:"policy"`
	// Cost is the monthly estimate (internal/azure/pricing.Estimate).
	Cost pricing.Estimate `json:"cost"`
}

// Resource is one registration of the plan. Inputs are the values the
// program sends, as JSON: a secret at any depth is "[secret]", a value not
// known before deployment is "[unknown]", a resource reference is its URN.
// Dependencies are the URNs the engine records for the resource, sorted:
// explicit DependsOn (a component expanded to its children) and every
// resource an input was computed from. The engine creates a resource only
// after all of them, and deletes it before them. Aliases are the URNs the
// resource also answers to (pulumi.Aliases): a resource of an earlier plan
// under one of them is this resource, moved, not deleted and created again.
type Resource struct {
	URN             string         `json:"urn"`
	Type            string         `json:"type"`
	Name            string         `json:"name"`
	Parent          string         `json:"parent"`
	Custom          bool           `json:"custom"`
	ProviderVersion string         `json:"providerVersion"`
	Dependencies    []string       `json:"dependencies"`
	Aliases         []string       `json:"aliases"`
	Inputs          map[string]any `json:"inputs"`
}

// Violation is one policy result. Level is "mandatory" (exit code 2) or
// "advisory"; URN names the resource, or the stack for stack-wide policies.
type Violation struct {
	Policy  string `json:"policy"`
	Level   string `json:"level"`
	URN     string `json:"urn"`
	Message string `json:"message"`
}

// Build converts a mocked run into a plan document.
func Build(res *mockstack.Result) Document {
	doc := Document{
		Stack:     res.Stack,
		Project:   res.Project,
		Resources: make([]Resource, 0, len(res.Resources)),
		Outputs:   map[string]any{},
		Policy:    []Violation{},
	}
	for _, r := range res.Resources {
		doc.Resources = append(doc.Resources, Resource{
			URN:             r.URN(res.Project, res.Stack),
			Type:            r.Type,
			Name:            r.Name,
			Parent:          r.Parent,
			Custom:          r.Custom,
			ProviderVersion: r.ProviderVersion,
			Dependencies:    sortedCopy(r.Dependencies),
			Aliases:         append([]string{}, r.AliasURNs(res.Project, res.Stack)...),
			Inputs:          objectJSON(r.Inputs),
		})
	}
	names := make([]string, 0, len(res.Outputs))
	for n := range res.Outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o := res.Outputs[n]
		switch {
		case o.Secret:
			doc.Outputs[n] = Secret
		case !o.Known:
			doc.Outputs[n] = Unknown
		default:
			doc.Outputs[n] = resource.NewPropertyValue(o.Value).Mappable()
		}
	}
	return doc
}

func objectJSON(m resource.PropertyMap) map[string]any { return objectJSONOf(m, false) }

func objectJSONOf(m resource.PropertyMap, reveal bool) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = valueJSONOf(v, reveal)
	}
	return out
}

// valueJSONOf masks unknowns, and secrets unless reveal is set (for
// comparing two runs; never printed).
func valueJSONOf(v resource.PropertyValue, reveal bool) any {
	switch {
	case v.IsSecret() && reveal:
		return valueJSONOf(v.SecretValue().Element, reveal)
	case v.IsSecret():
		return Secret
	case v.IsComputed():
		return Unknown
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return Unknown
		}
		if o.Secret && !reveal {
			return Secret
		}
		return valueJSONOf(o.Element, reveal)
	case v.IsObject():
		return objectJSONOf(v.ObjectValue(), reveal)
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = valueJSONOf(e, reveal)
		}
		return out
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		return v.AssetValue().Path
	case v.IsArchive():
		return v.ArchiveValue().Path
	case v.IsNull():
		return nil
	default:
		return v.V
	}
}

// sortedCopy is a sorted copy of urns, [] (not null) when there are none.
func sortedCopy(urns []string) []string {
	out := append([]string{}, urns...)
	sort.Strings(out)
	return out
}
