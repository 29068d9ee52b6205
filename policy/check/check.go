// Package check runs the real policy pack (policy/rules) outside the Pulumi
// engine: over a mocked stack (internal/harness/mockstack) for `go test` and the
// offline preview, or over hand-built resources in rule tests. It calls each
// policy's own validation function with the same arguments the policyx
// analyzer server builds, so a result here is the CLI's result.
package check

import (
	"context"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/gpu-orchestration/gpu-orchestration/policy/rules"
)

// Level names as the CLI prints them.
const (
	Mandatory = "mandatory"
	Advisory  = "advisory"
)

// Violation is one policy finding.
type Violation struct {
	Policy  string `json:"policy"`
	Level   string `json:"level"` // "mandatory" or "advisory"
	URN     string `json:"urn,omitempty"`
	Message string `json:"message"`
}

func (v Violation) String() string {
	return fmt.Sprintf("[%s] %s: %s (%s)", v.Level, v.Policy, v.Message, v.URN)
}

// Options tune an evaluation.
type Options struct {
	// Config is per-policy configuration, as `--policy-pack-config` gives it.
	Config map[string]map[string]any
	// StackTags are the Pulumi stack's tags.
	StackTags map[string]string
}

// Evaluate runs every resource policy of pack over each resource and every
// stack policy over all of them, and returns the violations sorted by
// policy, URN and message.
func Evaluate(ctx context.Context, pack policyx.PolicyPack, resources []policyx.AnalyzerResource, opts Options) ([]Violation, error) {
	var out []Violation
	for _, p := range pack.Policies() {
		level, err := levelName(p.EnforcementLevel())
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", p.Name(), err)
		}
		if level == "" {
			continue // disabled
		}
		collect := func(defaultURN string) policyx.PolicyManager {
			return manager(func(message, urn string) {
				if urn == "" {
					urn = defaultURN
				}
				out = append(out, Violation{Policy: p.Name(), Level: level, URN: urn, Message: message})
			})
		}
		switch p := p.(type) {
		case policyx.ResourceValidationPolicy:
			for _, r := range resources {
				err := p.Validate(ctx, policyx.ResourceValidationArgs{
					Manager:   collect(r.URN),
					Resource:  r,
					Config:    opts.Config[p.Name()],
					StackTags: opts.StackTags,
				})
				if err != nil {
					return nil, fmt.Errorf("policy %s on %s: %w", p.Name(), r.URN, err)
				}
			}
		case policyx.StackValidationPolicy:
			if err := p.Validate(ctx, policyx.StackValidationArgs{Manager: collect(""), Resources: resources}); err != nil {
				return nil, fmt.Errorf("policy %s: %w", p.Name(), err)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Policy != b.Policy {
			return a.Policy < b.Policy
		}
		if a.URN != b.URN {
			return a.URN < b.URN
		}
		return a.Message < b.Message
	})
	return out, nil
}

// MandatoryOf returns the mandatory violations.
func MandatoryOf(vs []Violation) []Violation { return filter(vs, Mandatory) }

// AdvisoryOf returns the advisory violations.
func AdvisoryOf(vs []Violation) []Violation { return filter(vs, Advisory) }

func filter(vs []Violation, level string) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Level == level {
			out = append(out, v)
		}
	}
	return out
}

func levelName(l policyx.EnforcementLevel) (string, error) {
	switch l {
	case policyx.EnforcementLevelMandatory:
		return Mandatory, nil
	case policyx.EnforcementLevelAdvisory:
		return Advisory, nil
	case policyx.EnforcementLevelDisabled:
		return "", nil
	}
	return "", fmt.Errorf("enforcement level %d is not mandatory, advisory or disabled", l)
}

type manager func(message, urn string)

func (m manager) ReportViolation(message, urn string) { m(message, urn) }

// pack builds the rules' pack for the settings.
func pack(s rules.Settings) (policyx.PolicyPack, error) {
	p, err := rules.Pack(s)
	if err != nil {
		return nil, fmt.Errorf("building the policy pack: %w", err)
	}
	return p, nil
}
