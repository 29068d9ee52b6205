package autoscale

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// burstTrace is an idle hour, then 200 pending tasks for 15 minutes that
// drain by 5 a sample (10 a minute) to zero, then 30 idle minutes.
func burstTrace() *Trace {
	tr := &Trace{Start: t0, Variables: []string{VarPendingTasks}, Values: map[string][]float64{}}
	add := func(v float64) {
		tr.Offsets = append(tr.Offsets, time.Duration(len(tr.Offsets))*SamplePeriod)
		tr.Values[VarPendingTasks] = append(tr.Values[VarPendingTasks], v)
	}
	for range 120 {
		add(0)
	}
	for range 30 {
		add(200)
	}
	for v := 195.0; v >= 0; v -= 5 {
		add(v)
	}
	for range 60 {
		add(0)
	}
	return tr
}

// firstTime returns the first sample time at which cond(value) holds, after
// from.
func firstTime(tr *Trace, from time.Time, cond func(float64) bool) time.Time {
	for _, s := range tr.History(VarPendingTasks) {
		if s.Time.After(from) && cond(s.Value) {
			return s.Time
		}
	}
	return time.Time{}
}

func TestDefaultFormulaOverBurst(t *testing.T) {
	o := DefaultOptions()
	text, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := Parse(text)
	tr := burstTrace()
	cfg := DefaultSimConfig()
	steps, err := Simulate(f, tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + FormatSteps(steps))

	burst := firstTime(tr, time.Time{}, func(v float64) bool { return v > 0 })
	empty := firstTime(tr, burst, func(v float64) bool { return v == 0 })
	seen := false
	afterEmpty := 0
	for _, st := range steps {
		total := st.TargetDedicated + st.TargetLowPriority
		if st.Err != nil {
			t.Fatalf("%v: evaluation failed: %v", st.Time, st.Err)
		}
		if total > o.MaxNodes || st.CurrentDedicated+st.CurrentLowPriority > o.MaxNodes {
			t.Errorf("%v: %d targeted, %d+%d present; max is %d", st.Time, total, st.CurrentDedicated, st.CurrentLowPriority, o.MaxNodes)
		}
		if st.TargetDedicated != 0 {
			t.Errorf("%v: targets %d dedicated nodes; the default formula scales Spot only", st.Time, st.TargetDedicated)
		}
		visible := !st.Time.Add(-cfg.SampleDelay).Before(burst) // the samples show the burst
		switch {
		case !visible && total != 0:
			t.Errorf("%v: targets %d nodes before any sample shows the burst", st.Time, total)
		case visible && !seen:
			seen = true
			if total == 0 {
				t.Errorf("%v: first evaluation that sees the burst targets no nodes", st.Time)
			}
		}
		if !st.Time.Before(empty) {
			afterEmpty++
			if afterEmpty >= 2 && total != 0 {
				t.Errorf("%v: evaluation %d after the queue emptied (%v) still targets %d nodes", st.Time, afterEmpty, empty, total)
			}
		}
	}
	if !seen || afterEmpty < 2 {
		t.Fatalf("the trace did not cover the burst and two evaluations after it (seen=%v, after=%d)", seen, afterEmpty)
	}
}

func TestAllocationDelay(t *testing.T) {
	f, _ := Parse("$TargetLowPriorityNodes = 3; $TargetDedicatedNodes = 1;")
	tr := &Trace{Start: t0, Variables: []string{VarPendingTasks}, Offsets: make([]time.Duration, 61), Values: map[string][]float64{VarPendingTasks: make([]float64, 61)}}
	for i := range tr.Offsets {
		tr.Offsets[i] = time.Duration(i) * SamplePeriod
	}
	cfg := DefaultSimConfig()
	cfg.AllocationDelay = 7 * time.Minute
	steps, err := Simulate(f, tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, st := range steps {
		got = append(got, fmt.Sprintf("%d/%d+%d", st.CurrentDedicated, st.CurrentLowPriority, st.Allocating))
	}
	// Evaluations at 0, 5, 10 … 30 minutes: nodes asked for at 0 are ready
	// at 7 minutes, so the 10-minute evaluation is the first to see them;
	// until then they are allocating.
	if want := "0/0+4 0/0+4 1/3+0 1/3+0 1/3+0 1/3+0 1/3+0"; strings.Join(got, " ") != want {
		t.Errorf("dedicated/spot+allocating = %s, want %s", strings.Join(got, " "), want)
	}
}

func TestPreemptionIsSeededAndReported(t *testing.T) {
	// The formula keeps 10 Spot nodes and reports how many are preempted.
	f, _ := Parse(`$TargetLowPriorityNodes = 10; history = $PreemptedNodeCount.Count();`)
	tr := &Trace{Start: t0, Variables: []string{VarPendingTasks}, Values: map[string][]float64{}}
	for i := range 481 { // four hours
		tr.Offsets = append(tr.Offsets, time.Duration(i)*SamplePeriod)
		tr.Values[VarPendingTasks] = append(tr.Values[VarPendingTasks], 0)
	}
	cfg := DefaultSimConfig()
	cfg.PreemptionRate = 0.5
	run := func(seed uint64) string {
		cfg.Seed = seed
		steps, err := Simulate(f, tr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		preempted := 0
		for _, st := range steps {
			if st.CurrentLowPriority > 10 || st.Preempted > st.CurrentLowPriority {
				t.Errorf("%v: %d Spot nodes, %d preempted", st.Time, st.CurrentLowPriority, st.Preempted)
			}
			preempted += st.Preempted
			fmt.Fprintf(&b, "%d,", st.Preempted)
		}
		if preempted == 0 {
			t.Errorf("seed %d: no preemption in 40 node-hours at 0.5/h", seed)
		}
		return b.String()
	}
	a, b, c := run(1), run(1), run(2)
	if a != b {
		t.Errorf("same seed, different preemptions:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same preemptions: %s", a)
	}
}

// A failed evaluation leaves the targets as they were.
func TestSimulateKeepsTargetsOnFailure(t *testing.T) {
	f, _ := Parse(`$TargetLowPriorityNodes = max($PendingTasks.GetSample(TimeInterval_Minute * 5, 95));`)
	tr := &Trace{Start: t0, Variables: []string{VarPendingTasks}, Values: map[string][]float64{}}
	for i := range 41 {
		tr.Offsets = append(tr.Offsets, time.Duration(i)*SamplePeriod)
		tr.Values[VarPendingTasks] = append(tr.Values[VarPendingTasks], 2)
	}
	cfg := DefaultSimConfig()
	cfg.SampleDelay = 0
	steps, err := Simulate(f, tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// At 0 min: no samples (fails, target stays 0); at 5 min: 10 of 10
	// samples; then a gap makes 10 minutes fail.
	if steps[0].Error == "" || steps[0].TargetLowPriority != 0 {
		t.Errorf("first step: %+v, want a sample-percent failure and target 0", steps[0])
	}
	if steps[1].Error != "" || steps[1].TargetLowPriority != 2 {
		t.Errorf("second step: %+v, want target 2", steps[1])
	}

	for i := 12; i <= 20; i++ { // samples from 6 to 10 minutes lost
		tr.Values[VarPendingTasks][i] = math.NaN()
	}
	tr.Values[VarPendingTasks][19] = 9 // one sample at 9.5 min is there
	steps, _ = Simulate(f, tr, cfg)
	if steps[2].Error == "" || steps[2].TargetLowPriority != 2 {
		t.Errorf("third step after a gap: %+v, want a failure keeping target 2", steps[2])
	}
}

func TestSimulateRejectsBadConfig(t *testing.T) {
	f, _ := Parse("$TargetDedicatedNodes = 0")
	for _, cfg := range []SimConfig{
		{Interval: time.Minute},
		{Interval: 5*time.Minute + time.Second},
		{Interval: 200 * time.Hour},
		{Interval: 5 * time.Minute, PreemptionRate: -1},
	} {
		if _, err := Simulate(f, burstTrace(), cfg); err == nil || !strings.Contains(err.Error(), "SimConfig.") {
			t.Errorf("Simulate(%+v) error = %v, want a SimConfig error", cfg, err)
		}
	}
}
