package autoscale

import (
	"errors"
	"testing"
	"time"
)

// The example formulas of azure-docs articles/batch/batch-automatic-scaling.md,
// each over a crafted history, giving the result the article describes.

// flat returns n samples of v ending at t0.
func flat(n int, v float64) []Sample {
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = v
	}
	return series(t0, vals...)
}

func evalEnv(t *testing.T, src string, env Env) *Result {
	t.Helper()
	f, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	res, err := f.Evaluate(env)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return res
}

// "Pending tasks": "the pool is initially created with a single VM … The
// formula finds the average number of pending tasks in the last 180 seconds
// … ensures that the target number of dedicated nodes never exceeds 25 VMs."
const docPendingTasks = `startingNumberOfVMs = 1;
maxNumberofVMs = 25;
pendingTaskSamplePercent = $PendingTasks.GetSamplePercent(180 * TimeInterval_Second);
pendingTaskSamples = pendingTaskSamplePercent < 70 ? startingNumberOfVMs : avg($PendingTasks.GetSample(180 * TimeInterval_Second));
$TargetDedicatedNodes=min(maxNumberofVMs, pendingTaskSamples);
$NodeDeallocationOption = taskcompletion;`

func TestDocPendingTasksFormula(t *testing.T) {
	cases := []struct {
		name    string
		history []Sample
		want    int
	}{
		{"new pool without samples starts with one VM", nil, 1},
		{"4 of 6 samples (67%) is below the 70% guard", series(t0, 30, 30, 30, 30), 1},
		{"average of the last 180 s", series(t0, 6, 8, 10, 12, 14, 16), 11},
		{"never more than 25", flat(6, 400), 25},
		{"queue drained", flat(6, 0), 0},
	}
	for _, c := range cases {
		res := evalEnv(t, docPendingTasks, Env{Now: t0, Samples: mapSource{VarPendingTasks: c.history}})
		if *res.TargetDedicatedNodes != c.want || res.NodeDeallocationOption != "taskcompletion" {
			t.Errorf("%s: target %d (%s), want %d (taskcompletion)", c.name, *res.TargetDedicatedNodes, res.NodeDeallocationOption, c.want)
		}
	}
}

// "Preempted nodes": "a pool that starts with 25 Spot nodes. Every time a
// Spot node is preempted, it's replaced with a dedicated node."
const docPreempted = `maxNumberofVMs = 25;
$TargetDedicatedNodes = min(maxNumberofVMs, $PreemptedNodeCount.GetSample(180 * TimeInterval_Second));
$TargetLowPriorityNodes = min(maxNumberofVMs , maxNumberofVMs - $TargetDedicatedNodes);
$NodeDeallocationOption = taskcompletion;`

func TestDocPreemptedNodesFormula(t *testing.T) {
	cases := []struct {
		name                string
		history             []Sample
		dedicated, lowPrior int
	}{
		{"no preemption: 25 Spot nodes", flat(6, 0), 0, 25},
		{"3 preempted: 3 dedicated replace them", flat(6, 3), 3, 22},
		// min() over the window: a preemption counts once it has lasted
		// the whole 180 s.
		{"a preemption younger than the window is not replaced yet", series(t0, 0, 0, 0, 2, 2, 2), 0, 25},
	}
	for _, c := range cases {
		res := evalEnv(t, docPreempted, Env{Now: t0, Samples: mapSource{VarPreemptedNodeCount: c.history}})
		if *res.TargetDedicatedNodes != c.dedicated || *res.TargetLowPriorityNodes != c.lowPrior {
			t.Errorf("%s: %d dedicated, %d Spot; want %d, %d", c.name, *res.TargetDedicatedNodes, *res.TargetLowPriorityNodes, c.dedicated, c.lowPrior)
		}
	}
}

// Example 1, "Time-based adjustment": "If it's a weekday (1-5) and within
// working hours (8 AM to 6 PM), the target pool size is set to 20 nodes.
// Otherwise, it's set to 10 nodes." The Python sample is the same formula
// written with the $TargetDedicated alias.
func TestDocTimeBasedFormula(t *testing.T) {
	const example1 = `$curTime = time();
$workHours = $curTime.hour >= 8 && $curTime.hour < 18;
$isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5;
$isWorkingWeekdayHour = $workHours && $isWeekday;
$TargetDedicatedNodes = $isWorkingWeekdayHour ? 20:10;
$NodeDeallocationOption = taskcompletion;`
	const python = `$curTime = time();
             $workHours = $curTime.hour >= 8 && $curTime.hour < 18;
             $isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5;
             $isWorkingWeekdayHour = $workHours && $isWeekday;
             $TargetDedicated = $isWorkingWeekdayHour ? 20:10;`
	cases := []struct {
		when time.Time
		want int
	}{
		{time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), 20},  // Monday morning
		{time.Date(2026, 1, 9, 17, 59, 0, 0, time.UTC), 20}, // Friday, before six
		{time.Date(2026, 1, 9, 18, 0, 0, 0, time.UTC), 10},  // Friday, six o'clock
		{time.Date(2026, 1, 5, 7, 59, 0, 0, time.UTC), 10},  // Monday, before eight
		{time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC), 10}, // Saturday
		{time.Date(2026, 1, 11, 12, 0, 0, 0, time.UTC), 10}, // Sunday
	}
	for _, src := range []string{example1, python} {
		for _, c := range cases {
			res := evalEnv(t, src, Env{Now: c.when})
			if *res.TargetDedicatedNodes != c.want {
				t.Errorf("%s: target %d, want %d", c.when.Format(time.RFC1123), *res.TargetDedicatedNodes, c.want)
			}
		}
	}
	// The documented evaluation result lists the variables it computed.
	res := evalEnv(t, example1, Env{Now: time.Date(2016, 10, 13, 19, 18, 47, 805e6, time.UTC)})
	got := map[string]string{}
	for k, v := range res.Variables {
		got[k] = v.String()
	}
	want := map[string]string{"$curTime": "2016-10-13T19:18:47.805Z", "$isWeekday": "1", "$isWorkingWeekdayHour": "0", "$workHours": "0"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s, want %s (the documented AutoScaleRun.Results)", k, got[k], v)
		}
	}
	if *res.TargetDedicatedNodes != 10 {
		t.Errorf("$TargetDedicatedNodes = %d, want 10 as documented", *res.TargetDedicatedNodes)
	}
}

// Example 2, "Task-based adjustment": "If number of pending tasks is not 0,
// set targetVM to pending tasks, otherwise half of current dedicated. The
// pool size is capped at 20".
const docExample2 = `// Get pending tasks for the past 15 minutes.
$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 15);
// If we have fewer than 70 percent data points, we use the last sample point,
// otherwise we use the maximum of last sample point and the history average.
$tasks = $samples < 70 ? max(0,$PendingTasks.GetSample(1)) : max( $PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 15)));
// If number of pending tasks is not 0, set targetVM to pending tasks, otherwise
// half of current dedicated.
$targetVMs = $tasks > 0? $tasks:max(0, $TargetDedicatedNodes/2);
// The pool size is capped at 20, if target VM value is more than that, set it
// to 20. This value should be adjusted according to your use case.
$TargetDedicatedNodes = max(0, min($targetVMs, 20));
// Set node deallocation mode - let running tasks finish before removing a node
$NodeDeallocationOption = taskcompletion;`

func TestDocExample2TaskBased(t *testing.T) {
	cases := []struct {
		name    string
		history []Sample
		current float64
		want    int
	}{
		{"pending tasks set the target", flat(30, 7), 2, 7},
		{"sparse history uses the last sample", series(t0, 1, 9), 2, 9},
		{"latest sample above the average wins", series(t0, append(make([]float64, 29), 12)...), 2, 12},
		{"no pending tasks halves the current target", flat(30, 0), 6, 3},
		{"capped at 20", flat(30, 80), 2, 20},
	}
	for _, c := range cases {
		res := evalEnv(t, docExample2, Env{Now: t0, Samples: mapSource{VarPendingTasks: c.history}, TargetDedicatedNodes: c.current})
		if *res.TargetDedicatedNodes != c.want {
			t.Errorf("%s: target %d, want %d", c.name, *res.TargetDedicatedNodes, c.want)
		}
	}
}

// Example 3, "Accounting for parallel tasks": four task slots per node;
// "Attempt to grow the number of compute nodes to match the number of active
// tasks, with a maximum of 3".
const docExample3 = `$samples = $ActiveTasks.GetSamplePercent(TimeInterval_Minute * 15);
$tasks = $samples < 70 ? max(0,$ActiveTasks.GetSample(1)) : max( $ActiveTasks.GetSample(1),avg($ActiveTasks.GetSample(TimeInterval_Minute * 15)));
$cores = $TargetDedicatedNodes * 4;
$extraVMs = (($tasks - $cores) + 3) / 4;
$targetVMs = ($TargetDedicatedNodes + $extraVMs);
$TargetDedicatedNodes = max(0,min($targetVMs,3));
$NodeDeallocationOption = taskcompletion;`

func TestDocExample3ParallelTasks(t *testing.T) {
	cases := []struct {
		active  float64
		current float64
		want    int
	}{
		{5, 1, 2},  // 5 tasks need two 4-slot nodes: 1 + (5-4+3)/4 = 2
		{8, 1, 2},  // exactly two nodes' worth
		{9, 1, 3},  // 9 tasks need three
		{40, 1, 3}, // capped at 3
		{2, 1, 1},  // 1 + 0.25, truncated: one node is enough
		{0, 2, 0},  // 2 + (0-8+3)/4 = 0.75 → 0: an idle pool empties
		{0, 0, 0},  // stays empty
		{4, 0, 1},  // (4+3)/4 = 1.75 → 1
		{12, 0, 3}, // (12+3)/4 = 3.75 → 3
		{13, 3, 3}, // at the cap
		{1, 3, 1},  // 3 + (1-12+3)/4 = 1
	}
	for _, c := range cases {
		res := evalEnv(t, docExample3, Env{Now: t0, Samples: mapSource{VarActiveTasks: flat(30, c.active)}, TargetDedicatedNodes: c.current})
		if *res.TargetDedicatedNodes != c.want {
			t.Errorf("%v active tasks on %v nodes: target %d, want %d", c.active, c.current, *res.TargetDedicatedNodes, c.want)
		}
	}
}

// Example 4, "Setting an initial pool size": four nodes for the first ten
// minutes; then zero if no task ran or waited in the past hour, otherwise no
// change; the 50% ratio fails the evaluation when the history is too short.
// The C# sample fills in the pool's creation time with string.Format.
const docExample4 = `
    $TargetDedicatedNodes = 4;
    lifespan         = time() - time("Mon, 05 Jan 2026 08:00:00 GMT");
    span             = TimeInterval_Minute * 60;
    startup          = TimeInterval_Minute * 10;
    ratio            = 50;

    $TargetDedicatedNodes = (lifespan > startup ? (max($RunningTasks.GetSample(span, ratio), $ActiveTasks.GetSample(span, ratio)) == 0 ? 0 : $TargetDedicatedNodes) : 4);
    `

func TestDocExample4InitialPoolSize(t *testing.T) {
	created := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	idle := mapSource{"$RunningTasks": flat(120, 0), VarActiveTasks: flat(120, 0)}
	busy := mapSource{"$RunningTasks": flat(120, 0), VarActiveTasks: series(t0, append(make([]float64, 119), 3)...)}
	cases := []struct {
		name string
		now  time.Time
		src  mapSource
		want int
	}{
		{"first ten minutes: four nodes", created.Add(5 * time.Minute), idle, 4},
		{"idle hour: zero", t0, idle, 0},
		{"any task in the hour: no change", t0, busy, 4},
	}
	for _, c := range cases {
		res := evalEnv(t, docExample4, Env{Now: c.now, Samples: c.src})
		if *res.TargetDedicatedNodes != c.want {
			t.Errorf("%s: target %d, want %d", c.name, *res.TargetDedicatedNodes, c.want)
		}
	}
	f, _ := Parse(docExample4)
	short := mapSource{"$RunningTasks": flat(50, 0), VarActiveTasks: flat(50, 0)} // 25 of 60 minutes
	if _, err := f.Evaluate(Env{Now: t0, Samples: short}); !errors.Is(err, ErrSamplePercent) {
		t.Errorf("42%% of an hour's samples against ratio 50: error %v, want ErrSamplePercent", err)
	}
}

// "Write an autoscale formula": grow by 10% when the minimum CPU of the last
// 10 minutes is above 70%, shrink by 10% when the average of the last hour is
// below 20%, never above 400 nodes.
const docCPUFormula = `$totalDedicatedNodes =
    (min($CPUPercent.GetSample(TimeInterval_Minute * 10)) > 0.7) ?
    ($CurrentDedicatedNodes * 1.1) : $CurrentDedicatedNodes;
$totalDedicatedNodes =
    (avg($CPUPercent.GetSample(TimeInterval_Minute * 60)) < 0.2) ?
    ($CurrentDedicatedNodes * 0.9) : $totalDedicatedNodes;
$TargetDedicatedNodes = min(400, $totalDedicatedNodes)`

func TestDocCPUFormula(t *testing.T) {
	cases := []struct {
		name    string
		cpu     []Sample
		current float64
		want    int
	}{
		{"busy: grow by 10%", flat(120, 0.9), 50, 55},
		{"one quiet sample in 10 minutes: hold", series(t0, append(flatValues(119, 0.9), 0.5)...), 50, 50},
		{"idle hour: shrink by 10%", flat(120, 0.1), 50, 45},
		{"never above 400", flat(120, 0.95), 390, 400},
	}
	for _, c := range cases {
		src := mapSource{"$CPUPercent": c.cpu, VarCurrentDedicatedNodes: flat(1, c.current)}
		res := evalEnv(t, docCPUFormula, Env{Now: t0, Samples: src})
		if *res.TargetDedicatedNodes != c.want {
			t.Errorf("%s: target %d, want %d", c.name, *res.TargetDedicatedNodes, c.want)
		}
	}
}

func flatValues(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// Test-AzBatchAutoScale's example (Az.Batch PowerShell reference) documents
// its result: "$TargetDedicated=5;$NodeDeallocationOption=requeue;totalNodes=5".
// That is what a pool without CPU samples yields: the percentage is 0, below
// 0.7, so the branch that reads the undefined $CurrentDedicated never runs.
func TestDocPowerShellEvaluateExample(t *testing.T) {
	const src = `totalNodes=($CPUPercent.GetSamplePercent(TimeInterval_Minute*0,TimeInterval_Minute*10)<0.7?5:(min($CPUPercent.GetSample(TimeInterval_Minute*0, TimeInterval_Minute*10))>0.8?($CurrentDedicated*1.1):$CurrentDedicated));$TargetDedicated=min(100,totalNodes);`
	res := evalEnv(t, src, Env{Now: t0})
	if *res.TargetDedicatedNodes != 5 || res.NodeDeallocationOption != "requeue" || res.Variables["totalNodes"].Num != 5 {
		t.Fatalf("got %d, %s, %v; want 5, requeue, totalNodes=5", *res.TargetDedicatedNodes, res.NodeDeallocationOption, res.Variables)
	}
}
