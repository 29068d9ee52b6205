// Package mockstack runs the Pulumi program for a named stack under Pulumi
// mocks, with the configuration the CLI would pass, and records every
// registered resource and the stack outputs so tests (and the offline
// preview) can inspect what a deployment would send.
package mockstack

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// Program is a stack program that returns its outputs by name.
type Program func(ctx *pulumi.Context) (pulumi.Map, error)

// Resource is one registration as the engine would receive it.
type Resource struct {
	Type            string
	Name            string
	Parent          string // parent URN; "" for the stack itself
	Custom          bool   // false for component resources
	ProviderVersion string
	// Dependencies are the URNs the engine records as the resource's
	// dependencies: explicit DependsOn and those its inputs carry.
	Dependencies []string
	// PropertyDependencies are the URNs each input property depends on.
	PropertyDependencies map[string][]string
	IgnoreChanges        []string
	// RetainOnDelete and Protect are the resource options of those names.
	RetainOnDelete, Protect bool
	// Aliases are the resource's aliases as the program gave them
	// (pulumi.Aliases): the URNs it also answers to.
	Aliases []Alias
	Inputs  resource.PropertyMap
}

// Alias is one alias of a resource: a whole URN, or a spec whose empty
// parts are the resource's own (as the engine reads alias specs).
type Alias struct {
	URN        string
	Name, Type string
	Parent     string // parent URN; "" keeps the resource's parent
	NoParent   bool
}

// URN is the resource's URN in the mocked stack.
func (r Resource) URN(project, stack string) string {
	return string(resource.NewURN(stackName(stack), packageName(project), parentType(r.Parent), typeToken(r.Type), r.Name))
}

// AliasURNs are the URNs the resource's aliases name, as the engine
// resolves them: a spec's missing name, type and parent are the resource's.
func (r Resource) AliasURNs(project, stack string) []string {
	var out []string
	for _, a := range r.Aliases {
		if a.URN != "" {
			out = append(out, a.URN)
			continue
		}
		name, typ, parent := r.Name, r.Type, r.Parent
		if a.Name != "" {
			name = a.Name
		}
		if a.Type != "" {
			typ = a.Type
		}
		switch {
		case a.NoParent:
			parent = ""
		case a.Parent != "":
			parent = a.Parent
		}
		out = append(out, string(resource.NewURN(stackName(stack), packageName(project), parentType(parent), typeToken(typ), name)))
	}
	return out
}

// Output is one stack output after the run.
type Output struct {
	Value  any
	Known  bool
	Secret bool
}

// Result is everything a mocked run registered.
type Result struct {
	Project   string
	Stack     string
	Resources []Resource
	Outputs   map[string]Output
}

// runMu serializes runs: the Pulumi runtime keeps process-wide state.
var runMu sync.Mutex

// Run loads Pulumi.yaml and Pulumi.<stack>.yaml from root and runs program.
func Run(root, stack string, program Program) (*Result, error) {
	cfg, err := LoadStackConfig(root, stack)
	if err != nil {
		return nil, err
	}
	return RunConfig(cfg, program)
}

// Option tunes a mocked run.
type Option func(*recorder)

// WithImageBuild makes every image the program builds push a digest of
// that build: two runs with different builds are the same program after
// an image rebuild.
func WithImageBuild(build string) Option { return func(r *recorder) { r.build = build } }

// WithStackOutputs gives the outputs of another stack, which a
// StackReference named stack reads: e.g. a mocked run's Result.Outputs.
func WithStackOutputs(stack string, outputs map[string]Output) Option {
	return func(r *recorder) {
		if r.stacks == nil {
			r.stacks = map[string]map[string]Output{}
		}
		r.stacks[stack] = outputs
	}
}

// RunConfig runs program with the given stack configuration.
func RunConfig(cfg *StackConfig, program Program, opts ...Option) (*Result, error) {
	runMu.Lock()
	defer runMu.Unlock()

	rec := &recorder{}
	for _, o := range opts {
		o(rec)
	}
	res := &Result{Project: cfg.Project, Stack: cfg.Stack, Outputs: map[string]Output{}}
	// The same decoding the SDK applies to PULUMI_CONFIG and
	// PULUMI_CONFIG_SECRET_KEYS, without touching the process environment.
	withConfig := func(info *pulumi.RunInfo) {
		var values map[string]string
		_ = json.Unmarshal([]byte(cfg.EnvJSON()), &values)
		info.Config = values
		info.ConfigSecretKeys = cfg.Secrets
	}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		outputs, err := program(ctx)
		if err != nil {
			return err
		}
		names := make([]string, 0, len(outputs))
		for name := range outputs {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			ctx.Export(name, outputs[name])
			r, err := internals.UnsafeAwaitOutput(ctx.Context(), pulumi.ToOutput(outputs[name]))
			if err != nil {
				return fmt.Errorf("output %s: %w", name, err)
			}
			res.Outputs[name] = Output{Value: r.Value, Known: r.Known, Secret: r.Secret}
		}
		return nil
	}, pulumi.WithMocks(cfg.Project, cfg.Stack, rec), withConfig)
	if err != nil {
		return nil, err
	}
	res.Resources = rec.resources
	return res, nil
}
