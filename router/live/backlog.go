package live

import (
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// depthBucket is the resolution of the queue-depth history, and
// depthBuckets its length: two hours. A job that took longer is not placed
// on it; the queue it was enqueued behind says little about today's.
const (
	depthBucket  = 15 * time.Second
	depthBuckets = int(2 * time.Hour / depthBucket)
)

// backlog says how much longer than the jobs that just finished a job
// enqueued now takes because more jobs are ahead of it. The batch times
// the router measures are those of jobs enqueued one batch time ago: while
// the pool falls behind (its formula sizes it to the tasks present, so it
// grows only after an evaluation and a node allocation, 5–10 minutes), a
// new job waits behind a deeper queue than they did. By Little's law the
// jobs ahead drain at depth ÷ time in the system; only the waiting part of
// that time grows with them, not the run a job takes when it does not
// wait (about the fastest hundredth of recent times). The replica that
// runs the dispatcher sees the jobs finish and shares these figures
// (Share.BatchAhead, BatchWait); every replica reads the work queue's depth
// itself (queuedWait).
type backlog struct {
	mu     sync.Mutex
	depths [depthBuckets]int
	epochs [depthBuckets]int64
	// Over jobs finished since the pool's present run began: how many
	// counted, the weighted means of their time in the system (s) and of
	// the depth when they were enqueued.
	n           int
	time, ahead float64
	// run is the time of a job that did not wait: the fastTail quantile.
	run quantile
	// runFrom is the first result of the pool's present run: jobs enqueued
	// before it waited for the pool to start, which the depth does not
	// explain. last is the last result.
	runFrom, last time.Time
}

// setDepth records a queue-depth reading taken at now.
func (b *backlog) setDepth(now time.Time, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := now.UnixNano() / int64(depthBucket)
	i := int(e % int64(depthBuckets))
	b.epochs[i], b.depths[i] = e, n
}

// depthAt is the reading of the bucket holding t or, failing it, of one
// of the three before (readings come every few seconds).
func (b *backlog) depthAt(t time.Time) (int, bool) {
	e := t.UnixNano() / int64(depthBucket)
	for k := int64(0); k < 4; k++ {
		if i := int((e - k) % int64(depthBuckets)); e-k >= 0 && b.epochs[i] == e-k {
			return b.depths[i], true
		}
	}
	return 0, false
}

// finished records a job that spent d in the system and finished at now.
func (b *backlog) finished(now time.Time, d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() || now.Sub(b.last) > router.PoolColdAfter {
		b.runFrom = now
	}
	b.last = now
	enqueued := now.Add(-d)
	if enqueued.Before(b.runFrom) {
		return
	}
	ahead, ok := b.depthAt(enqueued)
	if !ok {
		return
	}
	b.n++
	w := max(1/float64(b.n), ewmaWeight)
	b.time += w * (d.Seconds() - b.time)
	b.ahead += w * (float64(ahead) - b.ahead)
	b.run.observe(d, fastTail, 1/float64(fastTailSamples))
}

// figures are the weighted mean depth the recent jobs were enqueued behind
// and their mean wait (s): their time in the system less the time of a job
// that did not wait. Zeros until fastTailSamples jobs make the no-wait
// time a quantile.
func (b *backlog) figures() (ahead, wait float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n < fastTailSamples {
		return 0, 0
	}
	return b.ahead, max(b.time-b.run.estimate().Seconds(), 0)
}

// queuedWait is how much longer than the recent jobs a job enqueued now,
// behind depth jobs, waits: the jobs queued since they were enqueued, at
// the rate they drained (wait ÷ ahead a job). Never negative: a shallower
// queue does not shorten the run, and the recent figures already hold
// what it saves.
func queuedWait(depth int, ahead, wait float64) time.Duration {
	if ahead < 1 {
		return 0
	}
	return seconds(max(float64(depth)-ahead, 0) * wait / ahead)
}
