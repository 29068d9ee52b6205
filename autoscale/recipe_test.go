package autoscale

import (
	"testing"
	"time"
)

// recipeFormula is the formula of the recipe this project started from
// (quoted in docs/azure-facts.md).
const recipeFormula = `$TargetDedicatedNodes = min($PendingTasks.GetSample(180 * TimeInterval_Second, 70 * TimeInterval_Second), 4)`

// TestRecipeFormulaExplained shows what the recipe's formula targets and why
// the "spot" pool it was written for never gets a Spot node:
//
//   - 70 * TimeInterval_Second is a timeinterval, so the call is the
//     GetSample(startTime, endTime) overload: the $PendingTasks samples taken
//     between 180 s and 70 s before the evaluation, not "180 s with a 70%
//     guard". No percentage is required, so a sparse window is used as is.
//   - min() flattens that vector together with 4, so the target is the
//     smallest pending-task sample in the window, capped at 4: one empty
//     sample in the window scales the pool to zero while tasks still wait.
//   - It sets only $TargetDedicatedNodes. $TargetLowPriorityNodes, which
//     allocates Spot nodes, is never assigned, so it keeps the pool's current
//     Spot target (zero for a new pool) on every evaluation: the pool runs
//     on dedicated nodes at pay-as-you-go prices, or on nothing.
func TestRecipeFormulaExplained(t *testing.T) {
	f, err := Parse(recipeFormula)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		pending []float64 // one sample every 30 s, the last at evaluation time
		want    int
	}{
		// samples at -150, -120 and -90 s fall in the window (-180 s, -70 s]
		{"steady 200 pending: capped at 4 dedicated", []float64{200, 200, 200, 200, 200, 200, 200}, 4},
		{"steady 2 pending: 2 dedicated", []float64{2, 2, 2, 2, 2, 2, 2}, 2},
		{"the window's minimum wins: one empty sample means zero", []float64{200, 200, 0, 200, 200, 200, 200}, 0},
		{"a burst in the last 70 s is not seen yet", []float64{0, 0, 0, 0, 0, 200, 200}, 0},
		{"a queue that fills the window: 3 dedicated", []float64{0, 3, 3, 3, 3, 3, 3}, 3},
	}
	for _, c := range cases {
		res, err := f.Evaluate(Env{Now: t0, Samples: mapSource{VarPendingTasks: series(t0, c.pending...)}, TargetLowPriorityNodes: 0})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if *res.TargetDedicatedNodes != c.want {
			t.Errorf("%s: %d dedicated, want %d", c.name, *res.TargetDedicatedNodes, c.want)
		}
		if res.TargetLowPriorityNodes != nil {
			t.Errorf("%s: the recipe set a Spot target (%d); it never should", c.name, *res.TargetLowPriorityNodes)
		}
	}

	// Only one of the window's three samples present: the evaluation still
	// succeeds on that one sample (no percentage guard).
	sparse := []Sample{{Time: t0.Add(-120 * time.Second), Value: 3}}
	res, err := f.Evaluate(Env{Now: t0, Samples: mapSource{VarPendingTasks: sparse}})
	if err != nil || *res.TargetDedicatedNodes != 3 {
		t.Errorf("sparse window: %v %v, want 3 dedicated and no failure", res, err)
	}

	// With no samples at all the window is empty and min(4) = 4: a pool
	// whose metrics are missing scales to 4 dedicated nodes.
	res, err = f.Evaluate(Env{Now: t0})
	if err != nil || *res.TargetDedicatedNodes != 4 {
		t.Errorf("no samples: %v %v, want 4 dedicated", res, err)
	}

	// The built default formula over the same steady queue targets Spot.
	built, err := Build(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	bf, _ := Parse(built)
	res, err = bf.Evaluate(Env{Now: t0, Samples: mapSource{VarPendingTasks: series(t0.Add(-SampleDelay), 200, 200, 200, 200, 200, 200, 200, 200)}})
	if err != nil || *res.TargetLowPriorityNodes != 4 || *res.TargetDedicatedNodes != 0 {
		t.Errorf("built formula: %+v %v, want 4 Spot and 0 dedicated", res, err)
	}
}
