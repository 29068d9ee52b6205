package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
)

func init() {
	register("formula", "Batch autoscale formulas: build, eval (once, at a trace's end), simulate (over a trace)", runFormula)
}

// Exit codes of `gpuorch formula`: 0 success, 1 unreadable input, 2 bad
// usage, 3 the formula failed to parse or evaluate (Azure would report an
// autoscale error and leave the pool as it is).
const (
	formulaExitOK       = 0
	formulaExitInput    = 1
	formulaExitUsage    = 2
	formulaExitEvalFail = 3
)

// formulaTraceStart is the instant a trace's t=0 stands for unless -start
// says otherwise; it matters only to formulas that call time().
const formulaTraceStart = "2026-01-05T00:00:00Z"

func runFormula(args []string, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprintln(stderr, "usage: gpuorch formula build [options]")
		fmt.Fprintln(stderr, "       gpuorch formula eval -formula FILE -trace FILE [-json]")
		fmt.Fprintln(stderr, "       gpuorch formula simulate -formula FILE -trace FILE [-interval 5m] [-json]")
		return formulaExitUsage
	}
	if len(args) == 0 {
		return usage()
	}
	switch args[0] {
	case "build":
		return formulaBuild(args[1:], stdout, stderr)
	case "eval":
		return formulaEval(args[1:], stdout, stderr)
	case "simulate":
		return formulaSimulate(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "gpuorch formula: unknown command %q\n", args[0])
	return usage()
}

func formulaBuild(args []string, stdout, stderr io.Writer) int {
	d := autoscale.DefaultOptions()
	fs := flag.NewFlagSet("formula build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spot := fs.Bool("spot", d.Spot, "target Spot nodes ($TargetLowPriorityNodes) rather than dedicated ones")
	maxNodes := fs.Int("max-nodes", d.MaxNodes, "cap on the pool's total target")
	floor := fs.Int("dedicated-floor", d.DedicatedFloor, "dedicated nodes kept at all times")
	window := fs.Duration("sample-window", d.SampleWindow, "window of $PendingTasks samples to average")
	pct := fs.Float64("sample-percent", d.SamplePercent, "GetSamplePercent guard: below it, scale on the latest sample alone")
	perNode := fs.Int("tasks-per-node", d.TasksPerNode, "tasks one node runs at once")
	dealloc := fs.String("node-deallocation", d.NodeDeallocation, "$NodeDeallocationOption: "+strings.Join(autoscale.NodeDeallocationOptions(), ", "))
	if err := fs.Parse(args); err != nil {
		return formulaExitUsage
	}
	text, err := autoscale.Build(autoscale.Options{
		Spot: *spot, MaxNodes: *maxNodes, DedicatedFloor: *floor, SampleWindow: *window,
		SamplePercent: *pct, TasksPerNode: *perNode, NodeDeallocation: *dealloc,
	})
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch formula build: %v\n", err)
		return formulaExitUsage
	}
	fmt.Fprint(stdout, text)
	return formulaExitOK
}

// formulaInputs are the flags eval and simulate share.
type formulaInputs struct {
	formula, trace, start *string
	asJSON                *bool
}

func formulaFlags(fs *flag.FlagSet) formulaInputs {
	return formulaInputs{
		formula: fs.String("formula", "", "file holding the autoscale formula (required)"),
		trace:   fs.String("trace", "", "CSV metric trace: header t,$Variable,…; one row per 30-second sample (required)"),
		start:   fs.String("start", formulaTraceStart, "RFC 3339 time of the trace's t=0, for time()"),
		asJSON:  fs.Bool("json", false, "print JSON"),
	}
}

// load reads the formula text and the trace; a non-zero code means stop
// with it (the message is already written).
func (in formulaInputs) load(cmd string, stderr io.Writer) (string, *autoscale.Trace, int) {
	if *in.formula == "" || *in.trace == "" {
		fmt.Fprintf(stderr, "gpuorch formula %s: -formula and -trace are both required\n", cmd)
		return "", nil, formulaExitUsage
	}
	start, err := time.Parse(time.RFC3339, *in.start)
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch formula %s: -start: %v\n", cmd, err)
		return "", nil, formulaExitUsage
	}
	text, err := os.ReadFile(*in.formula)
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch formula %s: %v\n", cmd, err)
		return "", nil, formulaExitInput
	}
	tf, err := os.Open(*in.trace)
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch formula %s: %v\n", cmd, err)
		return "", nil, formulaExitInput
	}
	defer tf.Close()
	tr, err := autoscale.ReadTrace(tf, start)
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch formula %s: %s: %v\n", cmd, *in.trace, err)
		return "", nil, formulaExitInput
	}
	return string(text), tr, formulaExitOK
}

// formulaEvalJSON is the JSON `formula eval -json` prints; absent values are
// omitted.
type formulaEvalJSON struct {
	TargetDedicatedNodes   *int                       `json:"TargetDedicatedNodes,omitempty"`
	TargetLowPriorityNodes *int                       `json:"TargetLowPriorityNodes,omitempty"`
	NodeDeallocationOption string                     `json:"NodeDeallocationOption,omitempty"`
	Variables              map[string]autoscale.Value `json:"variables,omitempty"`
	Error                  string                     `json:"error,omitempty"`
}

func formulaEval(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("formula eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := formulaFlags(fs)
	if err := fs.Parse(args); err != nil {
		return formulaExitUsage
	}
	text, tr, code := in.load("eval", stderr)
	if code != formulaExitOK {
		return code
	}
	// A formula that does not parse fails like a failed evaluation: Azure
	// rejects it the same way.
	var out formulaEvalJSON
	f, ferr := autoscale.Parse(text)
	if ferr == nil {
		res, err := f.Evaluate(tr.Env())
		out.Variables = res.Variables
		if err != nil {
			ferr = err
		} else {
			out.TargetDedicatedNodes, out.TargetLowPriorityNodes = res.TargetDedicatedNodes, res.TargetLowPriorityNodes
			out.NodeDeallocationOption = res.NodeDeallocationOption
		}
	}
	code = formulaExitOK
	if ferr != nil {
		out.Error = fmt.Sprintf("%s: %v", *in.formula, ferr)
		code = formulaExitEvalFail
	}
	if *in.asJSON {
		if err := writeJSON(stdout, out); err != nil {
			fmt.Fprintf(stderr, "gpuorch formula eval: %v\n", err)
			return formulaExitInput
		}
		return code
	}
	// Text: one "$name=value" a line, the way Batch lists an evaluation's
	// results.
	if out.TargetDedicatedNodes != nil {
		fmt.Fprintf(stdout, "$TargetDedicatedNodes=%d\n", *out.TargetDedicatedNodes)
	}
	if out.TargetLowPriorityNodes != nil {
		fmt.Fprintf(stdout, "$TargetLowPriorityNodes=%d\n", *out.TargetLowPriorityNodes)
	}
	if out.NodeDeallocationOption != "" {
		fmt.Fprintf(stdout, "$NodeDeallocationOption=%s\n", out.NodeDeallocationOption)
	}
	names := make([]string, 0, len(out.Variables))
	for name := range out.Variables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(stdout, "%s=%s\n", name, out.Variables[name])
	}
	if ferr != nil {
		fmt.Fprintf(stderr, "gpuorch formula eval: evaluation failed; Azure would leave the pool as it is: %v\n", ferr)
		if errors.Is(ferr, autoscale.ErrSamplePercent) {
			fmt.Fprintln(stderr, "hint: guard the GetSample call with GetSamplePercent, or ask for a lower percentage")
		}
	}
	return code
}

func formulaSimulate(args []string, stdout, stderr io.Writer) int {
	d := autoscale.DefaultSimConfig()
	fs := flag.NewFlagSet("formula simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := formulaFlags(fs)
	interval := fs.Duration("interval", d.Interval, "evaluation interval (5m to 168h, a multiple of 30s)")
	sampleDelay := fs.Duration("sample-delay", d.SampleDelay, "how late samples reach the formula")
	allocDelay := fs.Duration("alloc-delay", d.AllocationDelay, "time from a raised target to a ready node")
	preempt := fs.Float64("preempt-rate", d.PreemptionRate, "chance per hour that a ready Spot node is preempted")
	seed := fs.Uint64("seed", d.Seed, "seed for preemption and rand()")
	if err := fs.Parse(args); err != nil {
		return formulaExitUsage
	}
	text, tr, code := in.load("simulate", stderr)
	if code != formulaExitOK {
		return code
	}
	f, err := autoscale.Parse(text)
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch formula simulate: %s: %v\n", *in.formula, err)
		return formulaExitEvalFail
	}
	steps, err := autoscale.Simulate(f, tr, autoscale.SimConfig{
		Interval: *interval, SampleDelay: *sampleDelay, AllocationDelay: *allocDelay, PreemptionRate: *preempt, Seed: *seed,
	})
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch formula simulate: %v\n", err)
		return formulaExitUsage
	}
	if *in.asJSON {
		if err := writeJSON(stdout, steps); err != nil {
			fmt.Fprintf(stderr, "gpuorch formula simulate: %v\n", err)
			return formulaExitInput
		}
		return formulaExitOK
	}
	fmt.Fprint(stdout, autoscale.FormatSteps(steps))
	return formulaExitOK
}
