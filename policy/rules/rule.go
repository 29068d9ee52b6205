package rules

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const (
	mandatory = policyx.EnforcementLevelMandatory
	advisory  = policyx.EnforcementLevelAdvisory
)

// target is the part of a resource a rule judges.
type target struct {
	Type   string
	Name   string // logical name, as in the URN
	Props  property.Map
	Config map[string]any // the policy's configuration, if any
	// IgnoreChanges are the inputs the program leaves, once the resource
	// exists, to what Azure holds (the resource option of that name).
	IgnoreChanges []string
}

// resourceRule is a per-resource rule restricted to some azure-native types.
type resourceRule struct {
	name        string
	description string
	level       policyx.EnforcementLevel
	types       []string // "module:Type", any API version; empty means every type
	schema      *policyx.ConfigSchema
	check       func(t target, report func(format string, args ...any))
}

func (r resourceRule) policy() policyx.Policy {
	return policyx.NewResourceValidationPolicy(r.name, policyx.ResourceValidationPolicyArgs{
		Description:      r.description,
		EnforcementLevel: r.level,
		ConfigSchema:     r.schema,
		ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
			res := args.Resource
			if len(r.types) > 0 && !matchesAny(res.Type, r.types) || skippedCreate(res) {
				return nil
			}
			r.check(target{Type: res.Type, Name: res.Name, Props: res.Properties, Config: args.Config, IgnoreChanges: res.Options.IgnoreChanges},
				func(format string, a ...any) {
					args.Manager.ReportViolation(fmt.Sprintf(format, a...), "")
				})
			return nil
		},
	})
}

// stackRule judges the stack as a whole.
type stackRule struct {
	name        string
	description string
	level       policyx.EnforcementLevel
	check       func(resources []policyx.AnalyzerResource, report func(urn, format string, args ...any))
}

func (r stackRule) policy() policyx.Policy {
	return policyx.NewStackValidationPolicy(r.name, policyx.StackValidationPolicyArgs{
		Description:      r.description,
		EnforcementLevel: r.level,
		ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
			resources, partial := inThisRun(args.Resources)
			r.check(resources, func(urn, format string, a ...any) {
				if urn == "" && partial {
					return
				}
				args.Manager.ReportViolation(fmt.Sprintf(format, a...), urn)
			})
			return nil
		},
	})
}

// skippedCreate reports a resource this run does not create. A targeted
// update (`pulumi up --target`, the README's bootstrap of an isolated stack)
// still hands the pack every resource the program declares; those left out
// of the targets arrive as skipped creates: custom resources (they have a
// provider) without a single property, their inputs and outputs unsent.
// Judged as they are, every rule would find them unset and fail the
// bootstrap for what the next full update creates. (No resource type the
// rules judge can be created without properties: each needs at least its
// name and resource group.)
func skippedCreate(r policyx.AnalyzerResource) bool {
	return r.Provider.URN != "" && r.Properties.Len() == 0
}

// inThisRun leaves out the skipped creates. partial says some were left
// out: the stack as a whole is not in this run, so a finding about the whole
// stack (no URN, "the stack declares no budget") waits for a run that is;
// every finding about a resource of the run stands (a registry targeted
// without its private endpoint is still reported).
func inThisRun(resources []policyx.AnalyzerResource) (in []policyx.AnalyzerResource, partial bool) {
	for _, r := range resources {
		if skippedCreate(r) {
			partial = true
			continue
		}
		in = append(in, r)
	}
	return in, partial
}

// typeIs reports whether an azure-native type token is module:Type in any
// API version: "azure-native:app/v20250101:ContainerApp" is "app:ContainerApp".
func typeIs(token, want string) bool {
	parts := strings.Split(token, ":")
	if len(parts) != 3 || parts[0] != "azure-native" {
		return false
	}
	module, _, _ := strings.Cut(parts[1], "/")
	return module+":"+parts[2] == want
}

func matchesAny(token string, wants []string) bool {
	for _, w := range wants {
		if typeIs(token, w) {
			return true
		}
	}
	return false
}

func ofType(resources []policyx.AnalyzerResource, want string) []policyx.AnalyzerResource {
	var out []policyx.AnalyzerResource
	for _, r := range resources {
		if typeIs(r.Type, want) {
			out = append(out, r)
		}
	}
	return out
}
