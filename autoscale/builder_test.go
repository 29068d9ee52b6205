package autoscale

import (
	"strings"
	"testing"
	"time"
)

func TestBuildDefaultFormula(t *testing.T) {
	text, err := Build(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"$PendingTasks.GetSamplePercent(TimeInterval_Second * 300)",
		"$samplePercent < 70",
		"$TargetLowPriorityNodes = max(0, $needed - 0)",
		"$TargetDedicatedNodes = 0;",
		"min(4, $pending)",
		"$NodeDeallocationOption = taskcompletion;",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("default formula lacks %q:\n%s", want, text)
		}
	}
	if _, err := Parse(text); err != nil {
		t.Fatalf("built formula does not parse: %v\n%s", err, text)
	}
}

// buildEval builds o's formula and evaluates it at t0 over pending, the
// $PendingTasks samples ending one SampleDelay before t0.
func buildEval(t *testing.T, o Options, pending ...float64) *Result {
	t.Helper()
	text, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := evalAt(t, text, mapSource{VarPendingTasks: series(t0.Add(-SampleDelay), pending...)})
	if err != nil {
		t.Fatalf("evaluate built formula: %v\n%s", err, text)
	}
	return res
}

func TestBuiltFormulaTargets(t *testing.T) {
	spot := DefaultOptions()
	spot.MaxNodes = 10
	dedicated := spot
	dedicated.Spot = false
	floored := spot
	floored.DedicatedFloor = 2
	perNode := spot
	perNode.TasksPerNode = 4

	eight := []float64{3, 3, 3, 3, 3, 3, 3, 3}
	cases := []struct {
		name               string
		o                  Options
		pending            []float64
		dedicated, lowPrio int
	}{
		{"spot scales spot nodes", spot, eight, 0, 3},
		{"spot caps at MaxNodes", spot, []float64{200, 200, 200, 200, 200, 200, 200, 200}, 0, 10},
		{"spot idle returns to zero", spot, []float64{0, 0, 0, 0, 0, 0, 0, 0}, 0, 0},
		{"latest sample beats a lower average", spot, []float64{0, 0, 0, 0, 0, 0, 0, 6}, 0, 6},
		{"average beats a lower latest sample", spot, []float64{8, 8, 8, 8, 8, 8, 8, 0}, 0, 7},
		{"sparse window uses latest sample", spot, []float64{9, 1}, 0, 1},
		{"no samples at all targets zero", spot, nil, 0, 0},
		{"dedicated scales dedicated nodes", dedicated, eight, 3, 0},
		{"dedicated floor stays when idle", floored, []float64{0, 0, 0, 0, 0, 0, 0, 0}, 2, 0},
		{"dedicated floor counts toward the cap", floored, []float64{50, 50, 50, 50, 50, 50, 50, 50}, 2, 8},
		{"tasks per node rounds up", perNode, []float64{5, 5, 5, 5, 5, 5, 5, 5}, 0, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := buildEval(t, c.o, c.pending...)
			if *res.TargetDedicatedNodes != c.dedicated || *res.TargetLowPriorityNodes != c.lowPrio {
				t.Errorf("targets = %d dedicated, %d spot; want %d, %d", *res.TargetDedicatedNodes, *res.TargetLowPriorityNodes, c.dedicated, c.lowPrio)
			}
			if res.NodeDeallocationOption != "taskcompletion" {
				t.Errorf("NodeDeallocationOption = %q", res.NodeDeallocationOption)
			}
		})
	}
}

func TestOptionsValidateNamesFieldAndAllowedValues(t *testing.T) {
	mod := func(f func(*Options)) Options { o := DefaultOptions(); f(&o); return o }
	cases := []struct {
		o    Options
		want string
	}{
		{mod(func(o *Options) { o.MaxNodes = 0 }), "Options.MaxNodes must be at least 1"},
		{mod(func(o *Options) { o.DedicatedFloor = 5 }), "Options.DedicatedFloor must be within 0..MaxNodes (0..4)"},
		{mod(func(o *Options) { o.DedicatedFloor = -1 }), "Options.DedicatedFloor"},
		{mod(func(o *Options) { o.TasksPerNode = 0 }), "Options.TasksPerNode must be at least 1"},
		{mod(func(o *Options) { o.NodeDeallocation = "drain" }), "Options.NodeDeallocation must be one of requeue, terminate, taskcompletion, retaineddata"},
		{mod(func(o *Options) { o.SamplePercent = 0 }), "Options.SamplePercent must be within (0, 100]"},
		{mod(func(o *Options) { o.SamplePercent = 101 }), "Options.SamplePercent"},
		{mod(func(o *Options) { o.SampleWindow = 45 * time.Second }), "Options.SampleWindow must be a multiple of 30s"},
		{mod(func(o *Options) { o.SampleWindow = 3 * time.Minute }), "at most 66.7% are present"},
	}
	for _, c := range cases {
		_, err := Build(c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build(%+v) error = %v, want it to contain %q", c.o, err, c.want)
		}
	}
}
