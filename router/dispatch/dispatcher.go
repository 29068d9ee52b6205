// Package dispatch moves batch jobs from the work queue through an executor:
// it takes messages in micro-batches, writes the JSON-lines input blob, runs
// the executor while keeping the messages hidden, writes each job's result,
// and only then deletes the messages. A micro-batch whose batch command fails
// is split in halves and each half run again, so that one input that kills
// the command fails alone; that input, and a message received too many
// times, go to the poison queue with the reason. Work given back unfinished
// (a stop, an executor that cannot run) is made visible again at once:
// nothing is lost, and nothing waits out a visibility timeout.
package dispatch

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
)

// Config wires a Dispatcher.
type Config struct {
	Queue, Poison    router.Queue
	Jobs             router.JobStore
	Payloads         router.PayloadStore
	Executor         router.Executor
	RequestContainer string
	ResultContainer  string
	// Settings gives the model version and GPU memory limit passed to runs.
	Settings func() router.Settings
	Tracker  *live.Tracker
	Metrics  *metrics.Metrics
	Log      *slog.Logger
	// Now is the clock for job timestamps and lags; time.Now when nil.
	Now func() time.Time

	// BatchSize is the most messages per micro-batch (at most 32, the
	// queue's limit per receive; default 32).
	BatchSize int
	// Visibility is how long received messages stay hidden; it is renewed
	// every third of it while a run lasts (default 2 min).
	Visibility time.Duration
	// MaxDequeue is how many times a message may be received; the next
	// receive sends it to the poison queue (default 5).
	MaxDequeue int64
	// Idle is the wait after an empty receive (default 1 s).
	Idle time.Duration
	// Workers is the number of micro-batches run at once (default 1).
	Workers int
	// Parallel is how many storage calls for the jobs of one micro-batch
	// (job records, deletes) are made at once (default 16). One at a time,
	// a round trip per call bounds the dispatcher at a few dozen jobs/s.
	Parallel int
	// Format is the micro-batch file format (default: the reference one).
	Format Format
}

// Dispatcher runs micro-batches until its context ends.
type Dispatcher struct {
	cfg Config
}

// New returns a dispatcher with defaults filled in.
func New(cfg Config) *Dispatcher {
	if cfg.BatchSize <= 0 || cfg.BatchSize > 32 {
		cfg.BatchSize = 32
	}
	if cfg.Visibility <= 0 {
		cfg.Visibility = 2 * time.Minute
	}
	if cfg.MaxDequeue <= 0 {
		cfg.MaxDequeue = 5
	}
	if cfg.Idle <= 0 {
		cfg.Idle = time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 16
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Settings == nil {
		cfg.Settings = router.DefaultSettings
	}
	if cfg.Tracker == nil {
		cfg.Tracker = &live.Tracker{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Format == nil {
		cfg.Format = referenceFormat{}
	}
	return &Dispatcher{cfg: cfg}
}

// Run dispatches until ctx ends, then returns after the runs in progress
// have been abandoned (their messages released to the queue).
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range d.cfg.Workers {
		wg.Go(func() { d.loop(ctx) })
	}
	wg.Wait()
}

func (d *Dispatcher) loop(ctx context.Context) {
	backoff := d.cfg.Idle
	for ctx.Err() == nil {
		n, err := d.Once(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				d.cfg.Log.Warn("dispatch failed", "err", err)
			}
			backoff = min(backoff*2, 30*time.Second)
		case n == 0:
			backoff = d.cfg.Idle
		default:
			continue // more work is likely waiting
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
	}
}

// Once receives one micro-batch and runs it to the end. It returns the
// number of messages received.
func (d *Dispatcher) Once(ctx context.Context) (int, error) {
	msgs, err := d.cfg.Queue.Receive(ctx, d.cfg.BatchSize, d.cfg.Visibility)
	if err != nil {
		return 0, fmt.Errorf("receive: %w", err)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	batch := d.admitAll(ctx, msgs)
	if len(batch) == 0 {
		return len(msgs), nil
	}
	h := d.hold(ctx, batch)
	defer h.stop()
	return len(msgs), d.runSplitting(ctx, batch)
}

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
