package sim

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// StackSetting is one point of the tuner's grid: the stack config keys that
// shape what the router and the capacity cost, as `pulumi config` names
// them (components/config/schema.go).
type StackSetting struct {
	Concurrency        int     `json:"inferenceConcurrency"`
	CooldownSeconds    int     `json:"inferenceCooldownSeconds"`
	MinReplicas        int     `json:"inferenceMinReplicas"`
	BatchMaxNodes      int     `json:"batchMaxNodes"`
	BatchCostThreshold float64 `json:"batchCostThreshold"`
}

// ConfigValues lists the setting as stack config key and value, in the
// schema's order.
func (s StackSetting) ConfigValues() [][2]string {
	return [][2]string{
		{"inferenceConcurrency", fmt.Sprint(s.Concurrency)},
		{"inferenceCooldownSeconds", fmt.Sprint(s.CooldownSeconds)},
		{"inferenceMinReplicas", fmt.Sprint(s.MinReplicas)},
		{"batchMaxNodes", fmt.Sprint(s.BatchMaxNodes)},
		{"batchCostThreshold", fmt.Sprint(s.BatchCostThreshold)},
	}
}

// Apply returns the model parameters and the production router's settings
// that the stack deploys with s: the scale rule takes the concurrency, the
// cooldown and the minimum, the pool's formula the node limit, Key Vault the
// batch cost threshold, and the router's environment the same figures.
func (s StackSetting) Apply(p Params, base router.Settings) (Params, router.Settings) {
	p.ReplicaConcurrency = s.Concurrency
	p.Cooldown = time.Duration(s.CooldownSeconds) * time.Second
	p.MinReplicas = s.MinReplicas
	p.MaxNodes = s.BatchMaxNodes
	st := base
	st.ReplicaConcurrency = s.Concurrency
	st.ScaleDownDelay = p.Cooldown
	st.MinReplicas = s.MinReplicas
	st.MaxBatchNodes = s.BatchMaxNodes
	st.BatchCostThreshold = s.BatchCostThreshold
	return p, st
}

// Grid is the tuner's search space: every combination of the values.
type Grid struct {
	Concurrency        []int
	CooldownSeconds    []int
	MinReplicas        []int
	BatchMaxNodes      []int
	BatchCostThreshold []float64
}

// GridAround is the default search space around a stack's current setting:
// concurrencies up to where continuous batching slows a stream by a third,
// cooldowns from one minute to fifteen, zero to two warm replicas, half to
// twice the node limit, and the batch cost threshold at zero and as set.
func GridAround(cur StackSetting) Grid {
	uniq := func(v []int) []int {
		slices.Sort(v)
		return slices.Compact(v)
	}
	g := Grid{
		Concurrency:     uniq([]int{2, 4, 6, 8, 12, cur.Concurrency}),
		CooldownSeconds: uniq([]int{60, 300, 900, cur.CooldownSeconds}),
		MinReplicas:     uniq([]int{0, 1, 2, cur.MinReplicas}),
		BatchMaxNodes:   uniq([]int{max(cur.BatchMaxNodes/2, 1), cur.BatchMaxNodes, 2 * cur.BatchMaxNodes}),
	}
	g.BatchCostThreshold = []float64{0}
	if cur.BatchCostThreshold != 0 {
		g.BatchCostThreshold = append(g.BatchCostThreshold, cur.BatchCostThreshold)
	}
	return g
}

// Points lists every setting of the grid.
func (g Grid) Points() []StackSetting {
	var out []StackSetting
	for _, c := range g.Concurrency {
		for _, cd := range g.CooldownSeconds {
			for _, m := range g.MinReplicas {
				for _, n := range g.BatchMaxNodes {
					for _, t := range g.BatchCostThreshold {
						out = append(out, StackSetting{c, cd, m, n, t})
					}
				}
			}
		}
	}
	return out
}

// TunePoint is one setting's figures under production.
type TunePoint struct {
	Setting StackSetting `json:"setting"`
	CostUSD float64      `json:"cost_usd"`
	Missed  int          `json:"missed"`
	// MissedAfterStartup are the misses of requests that arrived after
	// StartupWindow.
	MissedAfterStartup int  `json:"missed_after_startup"`
	OnFrontier         bool `json:"on_frontier"`
	// MinReplicasMonthUSD is what the setting's minimum replicas cost over
	// a month (730 h) at the active rate, which GPU replicas always pay
	// (docs/simulation.md, billing): the replay prices them only for the
	// trace's span, and warm from its start.
	MinReplicasMonthUSD float64 `json:"min_replicas_month_usd"`
}

// HoursPerMonth is the month MinReplicasMonthUSD is priced over.
const HoursPerMonth = 730

// TuneReport is the tuner's answer.
type TuneReport struct {
	Current     TunePoint   `json:"current"`
	Recommended TunePoint   `json:"recommended"`
	Points      []TunePoint `json:"points"`
}

// Tune replays the requests under production for every point of the grid
// and the current setting (workers at once), marks the cost/miss Pareto
// frontier and recommends the cheapest frontier setting that misses no more
// deadlines than the current one.
func Tune(rows []TraceRow, rule Rule, p Params, base router.Settings, cur StackSetting, g Grid, workers int) (*TuneReport, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("sim: the trace has no requests")
	}
	points := g.Points()
	if !slices.Contains(points, cur) {
		points = append(points, cur)
	}
	out := make([]TunePoint, len(points))
	errs := make([]error, len(points))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				pp, st := points[i].Apply(p, base)
				rp, err := newReplay([]Model{{Name: "model", Rows: rows, Params: pp, Settings: st}}, rule, Routers{})
				var o []Outcome
				var tot runTotals
				if err == nil {
					o, tot, err = run(rp, Production)
				}
				if err != nil {
					errs[i] = fmt.Errorf("setting %+v: %w", points[i], err)
					continue
				}
				res := summarize(Production, rp.reqs, nil, o, tot.of(nil))
				out[i] = TunePoint{
					Setting: points[i], CostUSD: res.CostUSD, Missed: res.Missed, MissedAfterStartup: res.Missed - res.MissedInStartup,
					MinReplicasMonthUSD: round(float64(min(pp.MinReplicas, pp.MaxReplicas))*pp.ReplicaPricePerSecond()*HoursPerMonth*3600, 2),
				}
			}
		}()
	}
	for i := range points {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	markFrontier(out)
	rep := &TuneReport{Points: out}
	for _, pt := range out {
		if pt.Setting == cur {
			rep.Current = pt
		}
	}
	rep.Recommended = recommend(out, rep.Current)
	return rep, nil
}

// recommend is the cheapest frontier point that misses no more than the
// current one; among points with the same figures, the one that changes the
// fewest settings (the current setting itself on a tie with it), so that
// nothing is changed for nothing.
func recommend(pts []TunePoint, cur TunePoint) TunePoint {
	best := cur
	for _, pt := range pts {
		if !pt.OnFrontier || pt.Missed > cur.Missed {
			continue
		}
		same := pt.CostUSD == best.CostUSD && pt.Missed == best.Missed
		if pt.CostUSD < best.CostUSD || (pt.CostUSD == best.CostUSD && pt.Missed < best.Missed) ||
			(same && changes(pt.Setting, cur.Setting) < changes(best.Setting, cur.Setting)) {
			best = pt
		}
	}
	return best
}

// changes counts the config keys whose values differ between a and b.
func changes(a, b StackSetting) int {
	n := 0
	bv := b.ConfigValues()
	for i, kv := range a.ConfigValues() {
		if kv[1] != bv[i][1] {
			n++
		}
	}
	return n
}

// markFrontier marks the points no other point beats on both cost and
// misses (at least as good on both, better on one); points with the same
// figures are all on it. Points are sorted by cost, then misses.
func markFrontier(pts []TunePoint) {
	sort.SliceStable(pts, func(i, j int) bool {
		if pts[i].CostUSD != pts[j].CostUSD {
			return pts[i].CostUSD < pts[j].CostUSD
		}
		return pts[i].Missed < pts[j].Missed
	})
	for i := range pts {
		pts[i].OnFrontier = true
		for j := range pts {
			a, b := pts[j], pts[i]
			if a.CostUSD <= b.CostUSD && a.Missed <= b.Missed && (a.CostUSD < b.CostUSD || a.Missed < b.Missed) {
				pts[i].OnFrontier = false
				break
			}
		}
	}
}
