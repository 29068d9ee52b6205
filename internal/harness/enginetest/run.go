package enginetest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Step is one resource operation the engine planned or performed.
type Step struct {
	URN          string
	Type         string
	Op           apitype.OpType
	Diffs        []string
	DetailedDiff map[string]apitype.PropertyDiff
}

// Name is the resource's logical name (the URN's last part).
func (s Step) Name() string { return s.URN[strings.LastIndex(s.URN, "::")+2:] }

// Run is what one CLI operation did, read from its engine events.
type Run struct {
	Steps   []Step
	Policy  []apitype.PolicyEvent
	Output  string // the CLI's text output (with the diff for previews)
	Elapsed time.Duration
}

// Ops counts the steps by operation.
func (r Run) Ops() map[apitype.OpType]int {
	out := map[apitype.OpType]int{}
	for _, s := range r.Steps {
		out[s.Op]++
	}
	return out
}

// Changed are the steps that change something (neither same nor a read).
func (r Run) Changed() []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.Op != apitype.OpSame && s.Op != apitype.OpRead {
			out = append(out, s)
		}
	}
	return out
}

// Mandatory are the mandatory policy violations.
func (r Run) Mandatory() []apitype.PolicyEvent {
	var out []apitype.PolicyEvent
	for _, p := range r.Policy {
		if p.EnforcementLevel == string(apitype.Mandatory) {
			out = append(out, p)
		}
	}
	return out
}

// Summary is one line: operations by kind, policy results by level, time.
func (r Run) Summary() string {
	var ops []string
	for op, n := range r.Ops() {
		ops = append(ops, fmt.Sprintf("%s %d", op, n))
	}
	sort.Strings(ops)
	levels := map[string]int{}
	for _, p := range r.Policy {
		levels[p.EnforcementLevel]++
	}
	var pol []string
	for l, n := range levels {
		pol = append(pol, fmt.Sprintf("%s %d", l, n))
	}
	sort.Strings(pol)
	if len(pol) == 0 {
		pol = []string{"no violations"}
	}
	return fmt.Sprintf("ops: %s; policy: %s; %.1fs", strings.Join(ops, ", "), strings.Join(pol, ", "), r.Elapsed.Seconds())
}

// recorder gathers a run's engine events.
type recorder struct {
	ch   chan events.EngineEvent
	done chan struct{}
	run  Run
}

func record() *recorder {
	r := &recorder{ch: make(chan events.EngineEvent), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for ev := range r.ch {
			switch {
			case ev.ResourcePreEvent != nil:
				m := ev.ResourcePreEvent.Metadata
				if strings.HasPrefix(m.Type, "pulumi:providers:") || m.Type == "pulumi:pulumi:Stack" {
					continue
				}
				r.run.Steps = append(r.run.Steps, Step{URN: m.URN, Type: m.Type, Op: m.Op, Diffs: m.Diffs, DetailedDiff: m.DetailedDiff})
			case ev.PolicyEvent != nil:
				r.run.Policy = append(r.run.Policy, *ev.PolicyEvent)
			}
		}
	}()
	return r
}

// finish waits for the event stream to end (the Automation API closes the
// channel when the command returns).
func (r *recorder) finish(start time.Time, output string) Run {
	<-r.done
	r.run.Elapsed = time.Since(start)
	r.run.Output = output
	return r.run
}

// Preview runs `pulumi preview --diff --policy-pack <built pack>`, with a
// `--target` per target when there are any.
func (e *Engine) Preview(ctx context.Context, st auto.Stack, targets ...string) (Run, error) {
	rec, start := record(), time.Now()
	opts := []optpreview.Option{optpreview.PolicyPacks(e.PolicyPack), optpreview.Diff(), optpreview.EventStreams(rec.ch)}
	if len(targets) > 0 {
		opts = append(opts, optpreview.Target(targets))
	}
	res, err := st.Preview(ctx, opts...)
	out := res.StdOut
	if err != nil {
		out = errorOutput(err)
	}
	return rec.finish(start, out), err
}

// PreviewRefresh runs `pulumi preview --refresh --diff --policy-pack <built
// pack>`: the state is read back from the cloud first, so the output shows
// what changed there outside Pulumi, then the plan against it.
func (e *Engine) PreviewRefresh(ctx context.Context, st auto.Stack) (Run, error) {
	rec, start := record(), time.Now()
	res, err := st.Preview(ctx, optpreview.Refresh(), optpreview.PolicyPacks(e.PolicyPack), optpreview.Diff(), optpreview.EventStreams(rec.ch))
	out := res.StdOut
	if err != nil {
		out = errorOutput(err)
	}
	return rec.finish(start, out), err
}

// Up is `pulumi up` as an operator runs it: a preview with the policy pack
// first, and the update only when the preview passed. (The Automation API's
// Up alone runs `up --skip-preview`, where a resource's mandatory violation
// stops only that resource, after the ones before it changed.) Targets are
// `--target` URNs or globs, for both.
func (e *Engine) Up(ctx context.Context, st auto.Stack, targets ...string) (Run, error) {
	pre, err := e.Preview(ctx, st, targets...)
	if err != nil {
		return pre, fmt.Errorf("preview before up: %w", err)
	}
	if m := pre.Mandatory(); len(m) > 0 {
		return pre, fmt.Errorf("preview before up: %d mandatory policy violation(s), first %s: %s", len(m), m[0].PolicyName, m[0].Message)
	}
	rec, start := record(), time.Now()
	opts := []optup.Option{optup.PolicyPacks(e.PolicyPack), optup.Diff(), optup.EventStreams(rec.ch)}
	if len(targets) > 0 {
		opts = append(opts, optup.Target(targets))
	}
	res, err := st.Up(ctx, opts...)
	out := res.StdOut
	if err != nil {
		out = errorOutput(err)
	}
	return rec.finish(start, out), err
}

// Destroy is `pulumi destroy`.
func (e *Engine) Destroy(ctx context.Context, st auto.Stack) (Run, error) {
	rec, start := record(), time.Now()
	res, err := st.Destroy(ctx, optdestroy.EventStreams(rec.ch))
	out := res.StdOut
	if err != nil {
		out = errorOutput(err)
	}
	return rec.finish(start, out), err
}

// errorOutput is the CLI's stdout and stderr when a command failed: the
// Automation API puts both in the error's text.
func errorOutput(err error) string { return err.Error() }
