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
			if len(r.types) > 0 && !matchesAny(res.Type, r.types) {
				return nil
			}
			r.check(target{Type: res.Type, Name: res.Name, Props: res.Properties, Config: args.Config},
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
			r.check(args.Resources, func(urn, format string, a ...any) {
				args.Manager.ReportViolation(fmt.Sprintf(format, a...), urn)
			})
			return nil
		},
	})
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
