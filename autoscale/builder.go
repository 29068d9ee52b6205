package autoscale

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SampleDelay is how late samples reach a formula: "It takes approximately
// one minute for samples to propagate through the system, so samples in the
// range (0 * TimeInterval_Second, 60 * TimeInterval_Second) may not be
// available" (batch-automatic-scaling.md, "GetSample() and sample ranges").
const SampleDelay = time.Minute

// Options shape the formula Build writes for the batch pool.
type Options struct {
	// Spot targets Spot (formerly low-priority) nodes through
	// $TargetLowPriorityNodes; otherwise the pool scales dedicated nodes.
	Spot bool
	// MaxNodes caps the pool's total target, at least 1.
	MaxNodes int
	// DedicatedFloor keeps this many dedicated nodes at all times, 0 to
	// MaxNodes. With Spot it is a guard against losing every node to
	// preemption; 0 lets the pool return to zero nodes when idle.
	DedicatedFloor int
	// SampleWindow is how far back the formula averages $PendingTasks; a
	// whole number of 30-second samples. Because samples arrive about a
	// minute late (SampleDelay), a window of W holds at most (W-1m)/W of its
	// samples, which must reach SamplePercent. A window no longer than the
	// evaluation interval lets the pool return to zero within two
	// evaluations of the queue emptying.
	SampleWindow time.Duration
	// SamplePercent is the GetSamplePercent guard, in (0, 100]: with fewer
	// samples than this in the window, the formula scales on the latest
	// sample alone rather than an average of too few, as the documentation's
	// Example 2 does.
	SamplePercent float64
	// TasksPerNode is how many tasks one node runs at once (the pool's
	// taskSlotsPerNode), at least 1; nodes needed = ceil(pending / TasksPerNode).
	TasksPerNode int
	// NodeDeallocation is $NodeDeallocationOption: requeue, terminate,
	// taskcompletion or retaineddata. The stack uses taskcompletion: on
	// scale-in a node finishes its running task before it leaves, so no GPU
	// work already done is thrown away, at the price of paying for the node
	// until the task ends and scaling in more slowly. requeue (Batch's
	// default) stops running tasks at once and puts them back in the queue:
	// the pool shrinks immediately, but the interrupted tasks start over,
	// which for long GPU inference batches costs more than it saves.
	// terminate drops the running tasks; retaineddata also waits for task
	// data on the node to be cleaned up.
	NodeDeallocation string
}

// DefaultOptions are the stack's defaults: Spot nodes, at most 4, none kept
// when idle, a 5-minute window guarded at 70% (the documentation's figure),
// one task per node, and taskcompletion on scale-in.
func DefaultOptions() Options {
	return Options{
		Spot:             true,
		MaxNodes:         4,
		DedicatedFloor:   0,
		SampleWindow:     5 * time.Minute,
		SamplePercent:    70,
		TasksPerNode:     1,
		NodeDeallocation: "taskcompletion",
	}
}

// Validate checks the options; each error names the field and what it
// allows.
func (o Options) Validate() error {
	switch {
	case o.MaxNodes < 1:
		return fmt.Errorf("autoscale: Options.MaxNodes must be at least 1, got %d", o.MaxNodes)
	case o.DedicatedFloor < 0 || o.DedicatedFloor > o.MaxNodes:
		return fmt.Errorf("autoscale: Options.DedicatedFloor must be within 0..MaxNodes (0..%d), got %d", o.MaxNodes, o.DedicatedFloor)
	case o.TasksPerNode < 1:
		return fmt.Errorf("autoscale: Options.TasksPerNode must be at least 1, got %d", o.TasksPerNode)
	case !slices.Contains(nodeDeallocationOptions, o.NodeDeallocation):
		return fmt.Errorf("autoscale: Options.NodeDeallocation must be one of %s, got %q", strings.Join(nodeDeallocationOptions, ", "), o.NodeDeallocation)
	case math.IsNaN(o.SamplePercent) || o.SamplePercent <= 0 || o.SamplePercent > 100:
		return fmt.Errorf("autoscale: Options.SamplePercent must be within (0, 100], got %v", o.SamplePercent)
	case o.SampleWindow <= SampleDelay || o.SampleWindow%SamplePeriod != 0:
		return fmt.Errorf("autoscale: Options.SampleWindow must be a multiple of %v longer than the %v sample delay, got %v", SamplePeriod, SampleDelay, o.SampleWindow)
	}
	if reach := 100 * float64(o.SampleWindow-SampleDelay) / float64(o.SampleWindow); reach < o.SamplePercent {
		return fmt.Errorf("autoscale: Options.SamplePercent %v cannot be met by a %v SampleWindow: samples arrive about %v late, so at most %.1f%% are present; lower SamplePercent or lengthen SampleWindow", o.SamplePercent, o.SampleWindow, SampleDelay, reach)
	}
	return nil
}

// Build writes the formula for o. It scales on $PendingTasks (active and
// running tasks): the larger of the latest sample and the window's average,
// or the latest sample alone when GetSamplePercent finds the window too
// sparse; divides by TasksPerNode rounding up; caps the total at MaxNodes;
// keeps DedicatedFloor dedicated nodes; and puts the rest on Spot nodes when
// Spot is set. With no pending tasks and no floor it targets zero nodes.
func Build(o Options) (string, error) {
	if err := o.Validate(); err != nil {
		return "", err
	}
	win := "TimeInterval_Second * " + strconv.Itoa(int(o.SampleWindow/time.Second))
	pct := strconv.FormatFloat(o.SamplePercent, 'f', -1, 64)
	maxN, floor, per := strconv.Itoa(o.MaxNodes), strconv.Itoa(o.DedicatedFloor), strconv.Itoa(o.TasksPerNode)

	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	line("// Written by gpu-orchestration autoscale.Build; test changes with `gpuorch formula simulate`.")
	line("// Pending tasks = active + running. Samples arrive about a minute late, so guard the")
	line("// window with GetSamplePercent and use the latest sample alone when it is too sparse.")
	line("$samplePercent = $PendingTasks.GetSamplePercent(" + win + ");")
	line("$lastPending = max(0, $PendingTasks.GetSample(1));")
	line("$pending = $samplePercent < " + pct + " ? $lastPending : max($lastPending, avg($PendingTasks.GetSample(" + win + ")));")
	if o.TasksPerNode == 1 {
		line("$needed = min(" + maxN + ", $pending);")
	} else {
		line("// Targets are truncated, so adding TasksPerNode-1 rounds up.")
		line("$needed = min(" + maxN + ", ($pending + " + strconv.Itoa(o.TasksPerNode-1) + ") / " + per + ");")
	}
	if o.Spot {
		line("$TargetDedicatedNodes = " + floor + ";")
		line("$TargetLowPriorityNodes = max(0, $needed - " + floor + ");")
	} else {
		line("$TargetDedicatedNodes = max(" + floor + ", $needed);")
		line("$TargetLowPriorityNodes = 0;")
	}
	line("$NodeDeallocationOption = " + o.NodeDeallocation + ";")
	return b.String(), nil
}
