package live

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// slowShare is the share of observations the slow estimates cover: a
// request goes to batch on its deadline only if about nineteen jobs in
// twenty finish within it. The mean alone sends requests whose deadline is
// near it to batch, where half of them would be late. Warm answers are
// followed the same way: a micro-batch lasts as long as its slowest job.
const slowShare = 0.95

// quantileStep scales a quantile's steps to the spread: one observation
// moves the estimate by at most a fifth of the mean absolute deviation.
const quantileStep = 0.2

// quantile follows a quantile of durations by stochastic approximation
// (Robbins–Monro, as sizeModel follows the fast tail): a step up by share
// when an observation is above the estimate, down by 1−share when below,
// so the estimate rests where share of the observations fall below it.
// Steps scale with the observations' mean absolute deviation so that they
// follow the spread's size. The first observation starts it; the zero
// value is ready; readers load the last estimate without locking.
type quantile struct {
	mu           sync.Mutex
	n            int
	mean, absDev float64 // seconds
	q            float64 // seconds
	last         atomic.Int64
}

// observe moves the estimate of the share quantile; the mean and spread
// weigh about the last 1/weight observations. An upper quantile stays at
// or above the mean, a lower one at or below it.
func (t *quantile) observe(d time.Duration, share, weight float64) {
	x := d.Seconds()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	w := max(1/float64(t.n), weight)
	if t.n == 1 {
		t.mean, t.q = x, x
	} else {
		t.absDev += w * (math.Abs(x-t.mean) - t.absDev)
		t.mean += w * (x - t.mean)
		step := quantileStep * t.absDev
		if x > t.q {
			t.q += step * share
		} else {
			t.q -= step * (1 - share)
		}
		if share >= 0.5 {
			t.q = max(t.q, t.mean)
		} else {
			t.q = min(t.q, t.mean)
		}
	}
	t.last.Store(int64(seconds(t.q)))
}

// estimate is the quantile, zero before any observation.
func (t *quantile) estimate() time.Duration { return time.Duration(t.last.Load()) }
