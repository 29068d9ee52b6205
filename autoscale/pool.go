package autoscale

import (
	"math"
	"math/rand/v2"
	"time"
)

// pool models how a Batch pool's nodes follow its targets, for the
// simulator. A raised target starts allocating nodes that become ready after
// the allocation delay; a lowered target removes nodes at once, allocating
// ones first (the simulator runs no tasks, so requeue and taskcompletion do
// not differ here). A ready Spot node is preempted at a per-hour rate; a
// preempted node stays in the pool, counted in $CurrentLowPriorityNodes as
// Batch counts it, and is restored after the allocation delay (inferred:
// Batch restores preempted nodes when capacity returns, after no documented
// time).
type pool struct {
	allocDelay time.Duration
	preemptPH  float64
	rng        *rand.Rand

	dedicated, spot nodeSet
}

// nodeSet holds one kind of node: ready ones, and the times at which
// allocating (or preempted) ones become ready.
type nodeSet struct {
	ready      int
	allocating []time.Time
	preempted  []time.Time
}

func (s *nodeSet) total() int { return s.ready + len(s.allocating) + len(s.preempted) }

// advance moves nodes whose allocation or recovery has finished by t to
// ready.
func (s *nodeSet) advance(t time.Time) {
	s.allocating = readyBy(t, s.allocating, &s.ready)
	s.preempted = readyBy(t, s.preempted, &s.ready)
}

func readyBy(t time.Time, pending []time.Time, ready *int) []time.Time {
	kept := pending[:0]
	for _, at := range pending {
		if at.After(t) {
			kept = append(kept, at)
		} else {
			*ready++
		}
	}
	return kept
}

// resize moves the set toward target at time t.
func (s *nodeSet) resize(t time.Time, target int, delay time.Duration) {
	for s.total() < target {
		s.allocating = append(s.allocating, t.Add(delay))
	}
	for s.total() > target {
		switch {
		case len(s.preempted) > 0:
			s.preempted = s.preempted[:len(s.preempted)-1]
		case len(s.allocating) > 0:
			s.allocating = s.allocating[:len(s.allocating)-1]
		default:
			s.ready--
		}
	}
}

// step advances the pool to t, preempting ready Spot nodes that lose the
// draw for the elapsed time dt.
func (p *pool) step(t time.Time, dt time.Duration) {
	p.dedicated.advance(t)
	p.spot.advance(t)
	if p.preemptPH <= 0 || dt <= 0 {
		return
	}
	prob := 1 - math.Exp(-p.preemptPH*dt.Hours())
	for range p.spot.ready {
		if p.rng.Float64() < prob {
			p.spot.ready--
			p.spot.preempted = append(p.spot.preempted, t.Add(p.allocDelay))
		}
	}
}

func (p *pool) resize(t time.Time, dedicated, spot int) {
	p.dedicated.resize(t, dedicated, p.allocDelay)
	p.spot.resize(t, spot, p.allocDelay)
}
