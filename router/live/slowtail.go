package live

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// slowShare is the share of observations the slow estimate should cover:
// a request goes to batch on its deadline only if about nineteen jobs in
// twenty finish within it. The mean alone sends requests whose deadline is
// near it to batch, where half of them would be late. Warm answers are
// followed the same way: a micro-batch lasts as long as its slowest job.
const slowShare = 0.95

// slowStep scales the quantile's steps to the spread: one observation
// moves the estimate by at most a fifth of the mean absolute deviation.
const slowStep = 0.2

// slowTail follows the slowShare quantile of a duration by stochastic
// approximation (Robbins–Monro, as sizeModel follows the fast tail): a step
// up by slowShare when an observation is above the estimate, down by
// 1−slowShare when below, so the estimate rests where slowShare of the
// observations fall below it. Steps scale with the observations' mean
// absolute deviation so that they follow the spread's size. The first
// observation starts it; readers load the last estimate without locking.
type slowTail struct {
	mu           sync.Mutex
	n            int
	mean, absDev float64 // seconds
	q            float64 // seconds
	last         atomic.Int64
}

func (t *slowTail) observe(d time.Duration) {
	x := d.Seconds()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	w := max(1/float64(t.n), ewmaWeight)
	if t.n == 1 {
		t.mean, t.q = x, x
	} else {
		t.absDev += w * (math.Abs(x-t.mean) - t.absDev)
		t.mean += w * (x - t.mean)
		step := slowStep * t.absDev
		if x > t.q {
			t.q += step * slowShare
		} else {
			t.q -= step * (1 - slowShare)
		}
		t.q = max(t.q, t.mean)
	}
	t.last.Store(int64(seconds(t.q)))
}

// estimate is the slowShare quantile, zero before any observation.
func (t *slowTail) estimate() time.Duration { return time.Duration(t.last.Load()) }
