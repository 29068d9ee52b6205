package check

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/policy/rules"
)

// Resources is the adapter: the mocked stack's registrations as the policy
// engine presents them (type, name, URN, parent, input properties).
func Resources(res *mockstack.Result) []policyx.AnalyzerResource {
	out := make([]policyx.AnalyzerResource, 0, len(res.Resources))
	for _, r := range res.Resources {
		out = append(out, policyx.AnalyzerResource{
			Type:                 r.Type,
			Name:                 r.Name,
			URN:                  r.URN(res.Project, res.Stack),
			Parent:               r.Parent,
			Dependencies:         r.Dependencies,
			PropertyDependencies: r.PropertyDependencies,
			Properties:           resource.FromResourcePropertyMap(r.Inputs),
			Options:              pulumi.ResourceOptions{IgnoreChanges: r.IgnoreChanges},
		})
	}
	return out
}

// SettingsFor reads the pack's settings from the stack configuration the
// mocked run used, as the CLI hands it to the pack.
func SettingsFor(cfg *mockstack.StackConfig) (rules.Settings, error) {
	return rules.SettingsFromConfig(func(key string) (string, bool) {
		v, ok := cfg.Values[key]
		return v, ok
	})
}

// Run runs the pack, built for settings, over a mocked stack.
func Run(res *mockstack.Result, s rules.Settings) ([]Violation, error) {
	p, err := pack(s)
	if err != nil {
		return nil, err
	}
	return Evaluate(context.Background(), p, Resources(res), Options{})
}

// Stack runs the program for the named stack under mocks (root holds
// Pulumi.yaml and Pulumi.<stack>.yaml) and checks it.
func Stack(root, stack string, program mockstack.Program) (*mockstack.Result, []Violation, error) {
	cfg, err := mockstack.LoadStackConfig(root, stack)
	if err != nil {
		return nil, nil, err
	}
	settings, err := SettingsFor(cfg)
	if err != nil {
		return nil, nil, err
	}
	res, err := mockstack.RunConfig(cfg, program)
	if err != nil {
		return nil, nil, err
	}
	vs, err := Run(res, settings)
	return res, vs, err
}
