package sim

import (
	"math"
	"testing"
)

func TestMarkFrontierKeepsOnlyUnbeatenPoints(t *testing.T) {
	pts := []TunePoint{
		{CostUSD: 3, Missed: 5}, // beaten by (2, 5)
		{CostUSD: 1, Missed: 9},
		{CostUSD: 2, Missed: 5},
		{CostUSD: 4, Missed: 1},
		{CostUSD: 2, Missed: 7}, // beaten by (2, 5)
		{CostUSD: 4, Missed: 1}, // the same figures as another: both on it
	}
	markFrontier(pts)
	want := map[[2]float64]bool{{1, 9}: true, {2, 5}: true, {4, 1}: true, {2, 7}: false, {3, 5}: false}
	for _, p := range pts {
		if w := want[[2]float64{p.CostUSD, float64(p.Missed)}]; p.OnFrontier != w {
			t.Errorf("($%v, %d missed): on frontier %v, want %v", p.CostUSD, p.Missed, p.OnFrontier, w)
		}
	}
}

// The recommendation is the cheapest frontier point missing no more than
// the current setting, and the current setting itself when a point only
// ties it.
func TestRecommendPrefersTheCurrentSettingOnATie(t *testing.T) {
	cur := TunePoint{Setting: StackSetting{Concurrency: 8, BatchCostThreshold: 0.002}, CostUSD: 5, Missed: 10}
	tie := TunePoint{Setting: StackSetting{Concurrency: 8}, CostUSD: 5, Missed: 10}
	cheaperWorse := TunePoint{Setting: StackSetting{Concurrency: 12}, CostUSD: 3, Missed: 20}
	pts := []TunePoint{tie, cheaperWorse, cur}
	markFrontier(pts)
	if got := recommend(pts, cur); got.Setting != cur.Setting {
		t.Errorf("recommended %+v, want the current setting on a tie", got.Setting)
	}
	better := TunePoint{Setting: StackSetting{Concurrency: 6}, CostUSD: 4, Missed: 9}
	betterFewerChanges := TunePoint{Setting: StackSetting{Concurrency: 6, BatchCostThreshold: 0.002}, CostUSD: 4, Missed: 9}
	pts = append(pts, better, betterFewerChanges)
	markFrontier(pts)
	if got := recommend(pts, cur); got.Setting != betterFewerChanges.Setting {
		t.Errorf("recommended %+v, want the cheaper point that misses less and changes one setting", got.Setting)
	}
}

// On the trace fixture the recommendation is on the frontier, misses no more
// than the current setting and costs no more.
func TestTuneRecommendsAFrontierSettingNoWorseThanCurrent(t *testing.T) {
	p := DefaultParams()
	cur := StackSetting{Concurrency: 8, CooldownSeconds: 60, MinReplicas: 0, BatchMaxNodes: 4, BatchCostThreshold: 0.002}
	g := Grid{Concurrency: []int{4, 8}, CooldownSeconds: []int{60, 300}, MinReplicas: []int{0, 1}, BatchMaxNodes: []int{4}, BatchCostThreshold: []float64{0}}
	rep, err := Tune(fixtureRows(t), SlowdownRule(1), p, p.StackSettings(), cur, g, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Points) != 9 {
		t.Fatalf("%d points, want the grid's 8 and the current setting", len(rep.Points))
	}
	r, c := rep.Recommended, rep.Current
	if !r.OnFrontier || r.Missed > c.Missed || r.CostUSD > c.CostUSD {
		t.Fatalf("recommended %+v against current %+v", r, c)
	}
	// A minimum replica is priced for the month as well: the replay prices
	// it for the trace's span only. $0.000433/s × 730 h = $1,137.92.
	for _, pt := range rep.Points {
		want := 0.0
		if pt.Setting.MinReplicas == 1 {
			want = 1137.92
		}
		if math.Abs(pt.MinReplicasMonthUSD-want) > 0.01 {
			t.Fatalf("%+v: a month of its minimum replicas $%.2f, want $%.2f", pt.Setting, pt.MinReplicasMonthUSD, want)
		}
	}
}
