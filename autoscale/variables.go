package autoscale

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Settable service-defined variables and their documented aliases: "The
// $TargetDedicatedNodes variable can also be specified using the alias
// $TargetDedicated. Similarly, the $TargetLowPriorityNodes variable can be
// specified using the alias $TargetLowPriority. If both the fully named
// variable and its alias are set by the formula, the value assigned to the
// fully named variable will take precedence." (batch-automatic-scaling.md,
// "Read-write service-defined variables"). Low-priority nodes are Spot nodes
// since March 2026 (azure-docs batch-spot-vms.md).
const (
	VarTargetDedicated     = "$TargetDedicatedNodes"
	VarTargetLowPriority   = "$TargetLowPriorityNodes"
	VarNodeDeallocation    = "$NodeDeallocationOption"
	aliasTargetDedicated   = "$TargetDedicated"
	aliasTargetLowPriority = "$TargetLowPriority"
)

// Read-only service-defined variables that formulas commonly use.
const (
	VarPendingTasks            = "$PendingTasks"
	VarActiveTasks             = "$ActiveTasks"
	VarRunningTasks            = "$RunningTasks"
	VarCurrentDedicatedNodes   = "$CurrentDedicatedNodes"
	VarCurrentLowPriorityNodes = "$CurrentLowPriorityNodes"
	VarPreemptedNodeCount      = "$PreemptedNodeCount"
)

// readOnlyVariables are the service-defined metrics: each is an object whose
// sample history the formula reads with GetSample and the other methods
// (batch-automatic-scaling.md, "Read-only service-defined variables").
var readOnlyVariables = []string{
	"$CPUPercent", "$WallClockSeconds", "$MemoryBytes", "$DiskBytes",
	"$DiskReadBytes", "$DiskWriteBytes", "$DiskReadOps", "$DiskWriteOps",
	"$NetworkInBytes", "$NetworkOutBytes", "$SampleNodeCount",
	VarActiveTasks, VarRunningTasks, VarPendingTasks, "$SucceededTasks", "$FailedTasks",
	"$TaskSlotsPerNode", VarCurrentDedicatedNodes, VarCurrentLowPriorityNodes, VarPreemptedNodeCount,
}

// IsServiceVariable reports whether name is one of the read-only,
// service-defined metrics.
func IsServiceVariable(name string) bool { return slices.Contains(readOnlyVariables, name) }

// canonicalSettable maps a settable name or alias to its full name.
func canonicalSettable(name string) (string, bool) {
	switch name {
	case VarTargetDedicated, aliasTargetDedicated:
		return VarTargetDedicated, true
	case VarTargetLowPriority, aliasTargetLowPriority:
		return VarTargetLowPriority, true
	case VarNodeDeallocation:
		return VarNodeDeallocation, true
	}
	return "", false
}

// Node deallocation options, from the documentation's list for
// $NodeDeallocationOption; requeue is the default.
var nodeDeallocationOptions = []string{"requeue", "terminate", "taskcompletion", "retaineddata"}

// NodeDeallocationOptions lists the allowed $NodeDeallocationOption values.
func NodeDeallocationOptions() []string { return slices.Clone(nodeDeallocationOptions) }

// timeIntervals are the TimeInterval_* constants (batch-automatic-scaling.md,
// "Types"). A year is taken as 365 days (inferred).
var timeIntervals = map[string]time.Duration{
	"TimeInterval_Zero":        0,
	"TimeInterval_100ns":       100 * time.Nanosecond,
	"TimeInterval_Microsecond": time.Microsecond,
	"TimeInterval_Millisecond": time.Millisecond,
	"TimeInterval_Second":      time.Second,
	"TimeInterval_Minute":      time.Minute,
	"TimeInterval_Hour":        time.Hour,
	"TimeInterval_Day":         24 * time.Hour,
	"TimeInterval_Week":        7 * 24 * time.Hour,
	"TimeInterval_Year":        365 * 24 * time.Hour,
}

// isConstant reports whether name is a language constant rather than a
// variable.
func isConstant(name string) bool {
	_, ok := timeIntervals[name]
	return ok || slices.Contains(nodeDeallocationOptions, name)
}

// checkAssignable rejects assignments to read-only variables and constants.
func checkAssignable(name string, at Pos) error {
	switch {
	case IsServiceVariable(name):
		return errAt(at, "%s is read-only; the settable variables are %s, %s and %s", name, VarTargetDedicated, VarTargetLowPriority, VarNodeDeallocation)
	case isConstant(name):
		return errAt(at, "%s is a constant and cannot be assigned", name)
	}
	return nil
}

// keyList names a table's keys in order, for error messages.
func keyList[V any](m map[string]V) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}
