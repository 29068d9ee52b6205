package enginetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// isolatedSection is the README section whose commands deploy an isolated
// stack from an empty subscription.
const isolatedSection = "Network isolation (for operators)"

// The README's isolated deploy, run as written: every `pulumi` command in
// the code of its "Network isolation" section, in order, parsed from the
// README's text (the bootstrap's targeted `pulumi up`, the `pulumi stack
// output` the runner logs in with, the full `pulumi up`), then a second
// `pulumi up` that must change nothing. After the bootstrap the stack must
// hold everything an image push waits for (the registry, its private
// endpoint, DNS record, zone and the zone's link to the network) and
// nothing but that and the network. The same bootstrap runs on a stack
// without isolation and on one that deploys into an existing resource group.
func TestIsolatedDeployAsWritten(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := context.Background()
	steps := readmeSteps(t)
	stacks := map[string]*readmeStack{}
	var bootstrap []PulumiCommand
	full := false
	for _, p := range steps {
		s := stacks[p.Stack]
		if s == nil {
			s = newReadmeStack(t, ctx, eng, p.Stack, p.Stack, nil)
			stacks[p.Stack] = s
		}
		switch {
		case p.Verb == "stack output":
			s.checkOutput(t, ctx, p)
		case len(p.Targets) > 0:
			s.up(t, ctx, eng, p)
			if !full {
				bootstrap = append(bootstrap, p)
			}
		default:
			if !full && len(bootstrap) > 0 {
				s.checkBootstrapped(t, ctx, true)
			}
			s.up(t, ctx, eng, p)
			full = true
		}
	}
	if len(bootstrap) == 0 || !full {
		t.Fatalf("the README's %q section runs %d bootstrap commands and %v a full pulumi up; it must run both", isolatedSection, len(bootstrap), full)
	}
	for name, s := range stacks {
		again, err := eng.Up(ctx, s.st)
		if err != nil {
			t.Fatalf("second pulumi up -s %s: %v", name, err)
		}
		t.Logf("second pulumi up -s %s: %s", name, again.Summary())
		if changed := again.Changed(); len(changed) > 0 {
			t.Errorf("second pulumi up -s %s changes %v, want nothing", name, stepNames(changed))
		}
		s.checkReadmeOutputs(t, ctx)
	}

	// The README gives the same bootstrap to a stack whose network is not
	// isolated (registryAdminUser off, "Images"), where it creates the
	// resource group and the registry only, and it must hold for a stack
	// that deploys into an existing resource group.
	for _, v := range []struct {
		name      string
		isolated  bool
		overrides map[string]string
	}{
		{"bootpub", false, map[string]string{"networkIsolation": "false"}},
		{"bootrg", true, map[string]string{"resourceGroupName": "rg-platform-shared"}},
	} {
		t.Run("bootstrap of "+v.name, func(t *testing.T) {
			s := newReadmeStack(t, ctx, eng, bootstrap[0].Stack, v.name, v.overrides)
			for _, p := range bootstrap {
				s.up(t, ctx, eng, p.OnStack(v.name))
			}
			s.checkBootstrapped(t, ctx, v.isolated)
		})
	}
}

// readmeSteps are the `pulumi` commands of the README's isolated deploy, in
// order: each fenced command that starts with `pulumi`, and each
// `$(pulumi …)` inside another (the `az acr login -n "$(pulumi stack output
// …)"`). A `pulumi up --target` anywhere else in the README fails the test:
// every bootstrap command the README prints is one the test runs.
func readmeSteps(t *testing.T) []PulumiCommand {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	text, first, err := Section(readme, isolatedSection)
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := Commands(text, first)
	if err != nil {
		t.Fatal(err)
	}
	var steps []PulumiCommand
	for _, c := range cmds {
		if !c.Fenced {
			continue
		}
		subs, err := c.Substitutions()
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range append(subs, c) {
			if sc.Words[0] != "pulumi" {
				continue
			}
			p, err := ParsePulumi(sc)
			if err != nil {
				t.Fatal(err)
			}
			if p.Stack == "" {
				t.Fatalf("README line %d: %q names no stack (-s); the isolated deploy runs on the runner for one named stack", sc.Line, sc)
			}
			steps = append(steps, p)
		}
	}

	all, err := Commands(readme, 1)
	if err != nil {
		t.Fatal(err)
	}
	last := first + strings.Count(text, "\n")
	for _, c := range all {
		if len(c.Words) > 1 && c.Words[0] == "pulumi" && c.Words[1] == "up" && strings.Contains(c.String(), "--target urn:") &&
			(c.Line < first || c.Line > last) {
			t.Errorf("README line %d: %q lies outside the %q section, whose commands this test runs", c.Line, c, isolatedSection)
		}
	}
	return steps
}

// outputName is how the stack's outputs are named; prose that mentions the
// command with a placeholder (`pulumi stack output NAME`) is not a command.
var outputName = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

// readmeStack is one stack the README's commands deploy, with the mocked
// plan of the same stack file to judge the engine's state by.
type readmeStack struct {
	name string
	st   auto.Stack
	plan *mockstack.Result
}

func newReadmeStack(t *testing.T, ctx context.Context, eng *Engine, from, name string, overrides map[string]string) *readmeStack {
	t.Helper()
	dir := t.TempDir()
	st, err := eng.Stack(ctx, dir, from, name, overrides)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := mockstack.Run(dir, name, stack.Program)
	if err != nil {
		t.Fatalf("mocked run of %s: %v", name, err)
	}
	return &readmeStack{name: name, st: st, plan: plan}
}

func (s *readmeStack) up(t *testing.T, ctx context.Context, eng *Engine, p PulumiCommand) {
	t.Helper()
	run, err := eng.Up(ctx, s.st, p.Targets...)
	if err != nil {
		t.Fatalf("README line %d, %s, on stack %s: %v", p.From.Line, p.From, s.name, err)
	}
	t.Logf("README line %d (%d targets) on %s: %s", p.From.Line, len(p.Targets), s.name, run.Summary())
}

// checkOutput: the output the README reads exists and has a value.
func (s *readmeStack) checkOutput(t *testing.T, ctx context.Context, p PulumiCommand) {
	t.Helper()
	outs, err := s.st.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := outs[p.Output].Value.(string); !ok || v == "" {
		t.Errorf("README line %d, %s: stack %s has no %s output at this step (outputs: %v)", p.From.Line, p.From, s.name, p.Output, outputNames(outs))
	}
}

// checkReadmeOutputs: every `pulumi stack output NAME` anywhere in the
// README, but the global stack's, names an output of the deployed stack.
func (s *readmeStack) checkReadmeOutputs(t *testing.T, ctx context.Context) {
	t.Helper()
	outs, err := s.st.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range readmeOutputReads(t) {
		if p.Stack == readmeGlobalStack {
			continue // the global stack's: TestGlobalStackBeforeTwoRegions
		}
		if _, ok := outs[p.Output]; !ok {
			t.Errorf("README line %d: %q reads output %s, which the stack does not export (%v)", p.From.Line, p.From, p.Output, outputNames(outs))
		}
	}
}

// readmeOutputReads are the README's `pulumi stack output NAME` commands,
// anywhere in it, command substitutions included.
func readmeOutputReads(t *testing.T) []PulumiCommand {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := Commands(string(b), 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []PulumiCommand
	for _, c := range cmds {
		subs, err := c.Substitutions()
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range append(subs, c) {
			if len(sc.Words) < 4 || sc.Words[0] != "pulumi" || sc.Words[1] != "stack" || sc.Words[2] != "output" {
				continue
			}
			p, err := ParsePulumi(sc)
			if err != nil {
				t.Fatal(err)
			}
			if outputName.MatchString(p.Output) {
				out = append(out, p)
			}
		}
	}
	return out
}

// checkBootstrapped: the state holds everything the image pushes wait for
// in the mocked plan (their dependencies and parents, transitively), and
// nothing else but, with isolation, the network tier.
func (s *readmeStack) checkBootstrapped(t *testing.T, ctx context.Context, isolated bool) {
	t.Helper()
	byURN := map[string]mockstack.Resource{}
	var images []string
	for _, r := range s.plan.Resources {
		urn := r.URN(s.plan.Project, s.plan.Stack)
		byURN[urn] = r
		if r.Type == "docker:index/image:Image" {
			images = append(images, urn)
		}
	}
	if len(images) == 0 {
		t.Fatalf("stack %s builds no image; the bootstrap is for pushing them", s.name)
	}
	needed := map[string]bool{}
	var visit func(urn string)
	visit = func(urn string) {
		r, ok := byURN[urn]
		if !ok || needed[urn] {
			return
		}
		needed[urn] = true
		for _, d := range append([]string{r.Parent}, r.Dependencies...) {
			visit(d)
		}
	}
	for _, img := range images {
		for _, d := range append([]string{byURN[img].Parent}, byURN[img].Dependencies...) {
			visit(d)
		}
	}

	have := stateURNs(t, ctx, s.st)
	var missing, extra []string
	for urn := range needed {
		if !have[urn] {
			missing = append(missing, urn)
		}
	}
	for urn := range have {
		if !needed[urn] && !(isolated && strings.Contains(urn, "gpu-orchestration:network:Network")) {
			extra = append(extra, urn)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, u := range missing {
		t.Errorf("after the bootstrap, stack %s lacks %s, which the image pushes wait for", s.name, u)
	}
	for _, u := range extra {
		t.Errorf("the bootstrap created %s in stack %s, which the image pushes do not need", u, s.name)
	}
	t.Logf("bootstrap of %s: %d resources, the %d the pushes wait for and %d of the network", s.name, len(have), len(needed), len(have)-len(needed))
}

// stateURNs are the URNs of the stack's resources.
func stateURNs(t *testing.T, ctx context.Context, st auto.Stack) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, r := range exportState(t, ctx, st) {
		out[r.URN] = true
	}
	return out
}

func outputNames(outs auto.OutputMap) string {
	names := make([]string, 0, len(outs))
	for k := range outs {
		names = append(names, k)
	}
	sort.Strings(names)
	return fmt.Sprint(names)
}
