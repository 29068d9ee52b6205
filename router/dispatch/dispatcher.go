// Package dispatch moves batch jobs from the work queue through an executor:
// it takes messages in micro-batches, writes the JSON-lines input blob, runs
// the executor while keeping the messages hidden, writes each job's result,
// and only then deletes the messages. A micro-batch whose batch command fails
// is split in halves and each half run again, so that one input that kills
// the command fails alone; that input, and a message received too many
// times, go to the poison queue with the reason. Work given back unfinished
// (a stop, an executor that cannot run) is made visible again at once:
// nothing is lost, and nothing waits out a visibility timeout.
//
// A message may also name a chunk of a Batch API batch (chunk.go): a
// micro-batch's worth of lines stored once, run as a micro-batch of its own.
//
// Jobs the router expedites (router.Decision.Expedite) do not come through
// the queue: the job service hands them over with their message hidden, and
// the dispatcher answers them on the inference app, releasing the message
// for the pool if the app does not answer in time.
package dispatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// Config wires a Dispatcher.
type Config struct {
	Queue, Poison    router.Queue
	Jobs             router.JobStore
	Payloads         router.PayloadStore
	Executor         router.Executor
	RequestContainer string
	ResultContainer  string
	// Models are the model deployments: each one's settings (model version
	// and GPU memory limit passed to its runs, its pool's max-batch-nodes),
	// its live state (batch times) and where its runs go (image, command,
	// pool). Nil: one model with the default settings.
	Models  *models.Catalog
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// Now is the clock for job timestamps and lags; time.Now when nil.
	Now func() time.Time

	// BatchSize is the most messages per micro-batch (default 32, at most
	// router.MaxMicroBatch). Beyond the queue's 32 per receive, Gather receives
	// again.
	BatchSize int
	// Gather is how long a micro-batch waits for more messages after its
	// first receive before it is cut (0: one receive is the batch). Each
	// micro-batch is one Batch task that loads the model once: batches of
	// one or two jobs, which a free dispatcher takes at low traffic, pay a
	// task start-up and a node each. At most a third of Visibility.
	Gather time.Duration
	// Visibility is how long received messages stay hidden; it is renewed
	// every third of it while a run lasts (default 2 min).
	Visibility time.Duration
	// MaxDequeue is how many times a message may be received; the next
	// receive sends it to the poison queue (default 5).
	MaxDequeue int64
	// Idle is the wait after an empty receive (default 1 s).
	Idle time.Duration
	// Workers is the most micro-batches run at once. 0 follows the
	// settings' MaxBatchNodes, read before each micro-batch: a run holds
	// one Batch task until it ends, so fewer runs than the pool has nodes
	// leave nodes idle and hide the backlog from the pool's formula, which
	// scales on tasks.
	Workers int
	// Parallel is how many storage calls for the jobs of one micro-batch
	// (job records, deletes) are made at once (default 16). One at a time,
	// a round trip per call bounds the dispatcher at a few dozen jobs/s.
	Parallel int
	// Format, when set, is every model's micro-batch file format; unset,
	// each model's own (its api, NewFormat).
	Format Format
	// Realtime gives the client that runs expedited jobs on a revision's
	// GPU app; nil runs every job on the pool.
	Realtime func(*models.Revision) router.Inferer
	// Chunks is the Batch API whose chunks (WorkItem.Chunk) this
	// dispatcher runs; nil leaves their messages in the queue.
	Chunks router.Chunks
}

// Dispatcher runs micro-batches until its context ends.
type Dispatcher struct {
	cfg Config
	exp chan expedited
	// formats are the models' micro-batch formats, by model key.
	formats map[string]Format
}

// New returns a dispatcher with defaults filled in.
func New(cfg Config) *Dispatcher {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	cfg.BatchSize = min(cfg.BatchSize, router.MaxMicroBatch)
	if cfg.Visibility <= 0 {
		cfg.Visibility = 2 * time.Minute
	}
	// Gathered messages are hidden for Visibility before the run's holder
	// starts extending them.
	cfg.Gather = min(max(cfg.Gather, 0), cfg.Visibility/3)
	if cfg.MaxDequeue <= 0 {
		cfg.MaxDequeue = 5
	}
	if cfg.Idle <= 0 {
		cfg.Idle = time.Second
	}
	if cfg.Workers < 0 {
		cfg.Workers = 0
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 16
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Models == nil {
		cfg.Models, _ = models.One(config.Default().InferenceURL, live.NewSettings(router.DefaultSettings(), nil), nil)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	d := &Dispatcher{cfg: cfg, exp: make(chan expedited, expediteBacklog), formats: map[string]Format{}}
	for _, m := range cfg.Models.All() {
		f := cfg.Format
		if f == nil {
			var err error
			if f, err = NewFormat(m.API, m.Stable().InferenceURL.Path); err != nil {
				f = referenceFormat{} // config.Load accepts only the formats NewFormat knows
			}
		}
		d.formats[m.Key] = f
	}
	return d
}

// queueReceiveMax is the most messages one receive returns (Azure Storage
// queues' limit).
const queueReceiveMax = 32

// Run answers expedited jobs (RunExpedited) and runs the pool's
// micro-batches (RunPool) until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { d.RunExpedited(ctx) })
	d.RunPool(ctx)
	wg.Wait()
}

// RunExpedited answers the jobs this router expedites on the inference app
// until ctx ends; it returns once they have ended or been given back to the
// pool. Every replica runs it for the jobs it accepted.
func (d *Dispatcher) RunExpedited(ctx context.Context) {
	var wg sync.WaitGroup
	d.expediteLoop(ctx, func(f func()) { wg.Go(f) })
	wg.Wait()
}

// RunPool gathers micro-batches and runs up to workers() of them at once
// until ctx ends; it returns once the runs in progress have been abandoned
// (their messages released to the queue). One gatherer cuts the batches, so
// concurrent runs never split the waiting messages into small ones; in a
// fleet of routers one replica runs it (router/fleet), so the pool never
// holds more tasks than max-batch-nodes.
func (d *Dispatcher) RunPool(ctx context.Context) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		running int
		byPool  = map[string]int{} // runs under way per pool
		failed  bool
		freed   = make(chan struct{}, 1)
	)
	backoff := d.cfg.Idle
	wait := func(t time.Duration) {
		select {
		case <-ctx.Done():
		case <-time.After(t):
		}
	}
	for ctx.Err() == nil {
		mu.Lock()
		busy, fail := running >= d.workers(), failed
		failed = false
		mu.Unlock()
		if busy {
			select {
			case <-ctx.Done():
			case <-freed:
			}
			continue
		}
		if fail {
			// The last run failed (the pool or storage is unreachable):
			// back off before taking more work.
			backoff = min(backoff*2, 30*time.Second)
			wait(backoff)
			continue
		}
		batch, n, err := d.gather(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				d.cfg.Log.Warn("dispatch failed", "err", err)
			}
			backoff = min(backoff*2, 30*time.Second)
			wait(backoff)
			continue
		case n == 0:
			backoff = d.cfg.Idle
			wait(backoff)
			continue
		}
		// Each unit's messages are held from now: a unit may wait for a
		// worker of its pool while the ones before it run.
		units := runUnits(batch)
		holds := make([]*holder, len(units))
		for i, u := range units {
			holds[i] = d.hold(ctx, u)
		}
		for i, u := range units {
			pool := d.model(u[0]).PoolID
			for {
				mu.Lock()
				busy := running >= d.workers() || byPool[pool] >= d.poolWorkers(pool)
				if !busy {
					running++
					byPool[pool]++
				}
				mu.Unlock()
				if !busy || ctx.Err() != nil {
					break
				}
				select {
				case <-ctx.Done():
				case <-freed:
				}
			}
			if ctx.Err() != nil {
				holds[i].stop()
				d.requeue(u)
				continue
			}
			wg.Go(func() {
				err := d.runUnit(ctx, u)
				holds[i].stop()
				if err != nil && ctx.Err() == nil {
					d.cfg.Log.Warn("dispatch failed", "err", err)
				}
				mu.Lock()
				running--
				byPool[pool]--
				failed = failed || (err != nil && ctx.Err() == nil)
				mu.Unlock()
				select {
				case freed <- struct{}{}:
				default:
				}
			})
		}
	}
	wg.Wait()
}

// runUnits cuts gathered work into runs: each model revision's jobs
// together, as one micro-batch (a micro-batch never mixes models or
// revisions: it runs one revision's image), and each chunk alone (it is a
// micro-batch already).
func runUnits(batch []*work) [][]*work {
	var units, chunks [][]*work
	byModel := map[string]int{} // model key → its unit
	for _, w := range batch {
		if w.item.Chunk != nil {
			chunks = append(chunks, []*work{w})
			continue
		}
		key := w.item.Model + "/" + w.item.Revision
		i, ok := byModel[key]
		if !ok {
			i = len(units)
			byModel[key] = i
			units = append(units, nil)
		}
		units[i] = append(units[i], w)
	}
	return append(units, chunks...)
}

// runUnit runs a unit of runUnits.
func (d *Dispatcher) runUnit(ctx context.Context, u []*work) error {
	if u[0].item.Chunk != nil {
		return d.runChunk(ctx, u[0])
	}
	return d.runSplitting(ctx, u)
}

// workers is how many micro-batches may run at once now: Workers, or as
// many as the pools have nodes together.
func (d *Dispatcher) workers() int {
	if d.cfg.Workers > 0 {
		return d.cfg.Workers
	}
	n, seen := 0, map[string]bool{}
	for _, m := range d.cfg.Models.All() {
		if !seen[m.PoolID] {
			seen[m.PoolID] = true
			n += d.poolWorkers(m.PoolID)
		}
	}
	return max(n, 1)
}

// poolWorkers is how many micro-batches may run on one pool at once: one
// per node its max-batch-nodes allows (the largest its models say), so
// that the pool's formula, which scales on tasks, sees the backlog.
func (d *Dispatcher) poolWorkers(pool string) int {
	if d.cfg.Workers > 0 {
		return d.cfg.Workers
	}
	n := 1
	for _, m := range d.cfg.Models.All() {
		if m.PoolID == pool {
			n = max(n, m.Settings().MaxBatchNodes)
		}
	}
	return n
}

// model is the deployment a unit's work belongs to.
func (d *Dispatcher) model(w *work) *models.Deployment {
	if c := w.item.Chunk; c != nil {
		return d.cfg.Models.For(c.Model)
	}
	return d.cfg.Models.For(w.item.Model)
}

// revision is the revision of its model that runs a unit's work: the one
// it is pinned to, or stable once that one is rolled back.
func (d *Dispatcher) revision(w *work) *models.Revision {
	if w.item.Chunk != nil {
		return d.model(w).Stable()
	}
	return d.model(w).RunsOn(w.item.Revision)
}

// Once gathers one micro-batch and runs it to the end (its jobs, then its
// chunks one after the other). It returns the number of messages received.
func (d *Dispatcher) Once(ctx context.Context) (int, error) {
	batch, n, err := d.gather(ctx)
	if err != nil || len(batch) == 0 {
		return n, err
	}
	units := runUnits(batch)
	holds := make([]*holder, len(units))
	for i, u := range units {
		holds[i] = d.hold(ctx, u)
	}
	var errs []error
	for i, u := range units {
		errs = append(errs, d.runUnit(ctx, u))
		holds[i].stop()
	}
	return n, errors.Join(errs...)
}

// gather receives one micro-batch: up to BatchSize messages, receiving
// again at once while receives come back full and, once the queue is
// drained, waiting for more until Gather has passed since the first message
// arrived. It returns the admitted work and how many messages it received.
func (d *Dispatcher) gather(ctx context.Context) ([]*work, int, error) {
	var msgs []router.Message
	var first time.Time
	for len(msgs) < d.cfg.BatchSize && ctx.Err() == nil {
		want := min(queueReceiveMax, d.cfg.BatchSize-len(msgs))
		got, err := d.cfg.Queue.Receive(ctx, want, d.cfg.Visibility)
		if err != nil {
			if len(msgs) == 0 {
				return nil, 0, fmt.Errorf("receive: %w", err)
			}
			// Run what is held; the next gather meets the error again.
			d.cfg.Log.Warn("receive failed while gathering a micro-batch", "err", err)
			break
		}
		msgs = append(msgs, got...)
		if len(msgs) == 0 {
			return nil, 0, nil
		}
		if first.IsZero() {
			first = time.Now()
		}
		if slices.ContainsFunc(got, isChunk) {
			break // a chunk is a full micro-batch: run it now
		}
		if len(got) == want {
			continue // more may be waiting
		}
		left := d.cfg.Gather - time.Since(first)
		if left <= 0 {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(d.cfg.Idle, left)):
		}
	}
	if ctx.Err() != nil {
		d.releaseAll(msgs)
		return nil, len(msgs), nil
	}
	return d.admitAll(ctx, msgs), len(msgs), nil
}

// isChunk tells a chunk's message from a job's without decoding it.
func isChunk(m router.Message) bool { return bytes.Contains(m.Body, []byte(`"chunk":{`)) }

func (d *Dispatcher) now() time.Time { return d.cfg.Now().UTC() }

// parallel calls f(0) … f(n-1), cfg.Parallel at a time, and waits for all.
func (d *Dispatcher) parallel(n int, f func(i int)) {
	sem := make(chan struct{}, d.cfg.Parallel)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f(i)
		})
	}
	wg.Wait()
}

// each calls f for every job of batch, cfg.Parallel at a time.
func (d *Dispatcher) each(batch []*work, f func(*work)) {
	d.parallel(len(batch), func(i int) { f(batch[i]) })
}

func (d *Dispatcher) count(outcome string) {
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.BatchRuns.WithLabelValues(outcome).Inc()
	}
}
