package autoscale

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// SimConfig sets up Simulate.
type SimConfig struct {
	// Interval is the pool's autoScaleEvaluationInterval: a multiple of 30 s
	// within Batch's 5 minutes to 168 hours.
	Interval time.Duration
	// SampleDelay is how late samples reach the formula (SampleDelay, about
	// a minute, in Azure).
	SampleDelay time.Duration
	// AllocationDelay is the time from a raised target to a node ready to
	// run tasks; also the time a preempted Spot node takes to come back.
	AllocationDelay time.Duration
	// PreemptionRate is the chance per hour that a ready Spot node is
	// preempted (e.g. 0.1 = 10% per node-hour); 0 turns preemption off.
	PreemptionRate float64
	// Seed makes preemption and rand() repeatable.
	Seed uint64
}

// DefaultSimConfig: 5-minute evaluations (the shortest Batch allows), the
// documented one-minute sample delay, 5 minutes to bring up a GPU node
// (inferred: VM allocation, start task and image pull; no official figure),
// no preemption.
func DefaultSimConfig() SimConfig {
	return SimConfig{Interval: 5 * time.Minute, SampleDelay: SampleDelay, AllocationDelay: 5 * time.Minute, Seed: 1}
}

// Step is one evaluation in a simulation.
type Step struct {
	// Time is the evaluation time; T the same in seconds from the trace start.
	Time time.Time `json:"time"`
	T    float64   `json:"t"`
	// Targets in force after the evaluation (unchanged when it failed or
	// did not set them).
	TargetDedicated   int `json:"targetDedicated"`
	TargetLowPriority int `json:"targetLowPriority"`
	// The pool when the formula ran: ready dedicated nodes; Spot nodes
	// counted as Batch counts $CurrentLowPriorityNodes (ready plus
	// preempted); and how many of those are preempted.
	CurrentDedicated   int `json:"currentDedicated"`
	CurrentLowPriority int `json:"currentLowPriority"`
	Preempted          int `json:"preempted"`
	// Allocating counts nodes of either kind on their way after the
	// evaluation's targets were applied.
	Allocating int `json:"allocating"`
	// Metrics are the trace's true values at Time (not delayed).
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Err is the evaluation's failure, if any; Error is its text.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

// Simulate evaluates f every cfg.Interval from the trace's start to its end.
// Each evaluation sees the trace's samples cfg.SampleDelay late, plus the
// simulated pool's own node counts ($CurrentDedicatedNodes,
// $CurrentLowPriorityNodes, $PreemptedNodeCount, overriding trace columns of
// those names), recorded every 30 s and just as late; its targets move the pool, whose nodes
// arrive after cfg.AllocationDelay and whose Spot nodes may be preempted. A
// failed evaluation leaves the targets as they were, as Azure does.
func Simulate(f *Formula, tr *Trace, cfg SimConfig) ([]Step, error) {
	if cfg.Interval < 5*time.Minute || cfg.Interval > 168*time.Hour || cfg.Interval%SamplePeriod != 0 {
		return nil, fmt.Errorf("simulate: SimConfig.Interval must be a multiple of %v from 5m to 168h, got %v", SamplePeriod, cfg.Interval)
	}
	if cfg.SampleDelay < 0 || cfg.AllocationDelay < 0 || cfg.PreemptionRate < 0 {
		return nil, fmt.Errorf("simulate: SimConfig.SampleDelay, AllocationDelay and PreemptionRate must not be negative, got %v, %v, %v", cfg.SampleDelay, cfg.AllocationDelay, cfg.PreemptionRate)
	}
	p := &pool{allocDelay: cfg.AllocationDelay, preemptPH: cfg.PreemptionRate, rng: rand.New(rand.NewPCG(cfg.Seed, 1))}
	formulaRand := rand.New(rand.NewPCG(cfg.Seed, 2))
	var own Recorder
	var steps []Step
	var targetDed, targetSpot int
	end := tr.End()
	for i := 0; ; i++ {
		off := time.Duration(i) * SamplePeriod
		now := tr.Start.Add(off)
		if now.After(end) {
			break
		}
		p.step(now, SamplePeriod)
		counts := map[string]float64{
			VarCurrentDedicatedNodes:   float64(p.dedicated.ready),
			VarCurrentLowPriorityNodes: float64(p.spot.ready + len(p.spot.preempted)),
			VarPreemptedNodeCount:      float64(len(p.spot.preempted)),
		}
		own.Record(now, counts)
		if off%cfg.Interval != 0 {
			continue
		}
		st := Step{
			Time: now, T: off.Seconds(),
			CurrentDedicated:   int(counts[VarCurrentDedicatedNodes]),
			CurrentLowPriority: int(counts[VarCurrentLowPriorityNodes]),
			Preempted:          int(counts[VarPreemptedNodeCount]),
			Metrics:            map[string]float64{},
		}
		for _, name := range tr.Variables {
			if v, ok := tr.Latest(name, now); ok {
				st.Metrics[name] = v
			}
		}
		src := simSource{trace: tr.Until(now, cfg.SampleDelay), own: &own, pool: own.Until(now, cfg.SampleDelay)}
		res, err := f.Evaluate(Env{Now: now, Samples: src, TargetDedicatedNodes: float64(targetDed), TargetLowPriorityNodes: float64(targetSpot), Rand: formulaRand})
		if err != nil {
			st.Err, st.Error = err, err.Error()
		} else {
			if res.TargetDedicatedNodes != nil {
				targetDed = *res.TargetDedicatedNodes
			}
			if res.TargetLowPriorityNodes != nil {
				targetSpot = *res.TargetLowPriorityNodes
			}
			p.resize(now, targetDed, targetSpot)
		}
		st.TargetDedicated, st.TargetLowPriority = targetDed, targetSpot
		st.Allocating = len(p.dedicated.allocating) + len(p.spot.allocating)
		steps = append(steps, st)
	}
	return steps, nil
}

// simSource serves the pool's own node counts and the trace for the rest,
// both as late as the sample delay makes them.
type simSource struct {
	trace, pool SampleSource
	own         *Recorder
}

func (s simSource) History(variable string) []Sample {
	if s.own.Has(variable) {
		return s.pool.History(variable)
	}
	return s.trace.History(variable)
}

// FormatSteps renders a simulation as a table, one evaluation a line, with
// the trace's $PendingTasks when it has one.
func FormatSteps(steps []Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %8s %10s %10s %10s %10s %9s %10s  %s\n", "t", "pending", "target_ded", "target_spot", "cur_ded", "cur_spot", "preempted", "allocating", "error")
	for _, st := range steps {
		pending := "-"
		if v, ok := st.Metrics[VarPendingTasks]; ok {
			pending = formatNumber(v)
		}
		fmt.Fprintf(&b, "%-8s %8s %10d %10d %10d %10d %9d %10d  %s\n", clock(st.T), pending, st.TargetDedicated, st.TargetLowPriority, st.CurrentDedicated, st.CurrentLowPriority, st.Preempted, st.Allocating, st.Error)
	}
	return b.String()
}

// clock writes seconds as h:mm:ss.
func clock(secs float64) string {
	s := int(secs)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}
