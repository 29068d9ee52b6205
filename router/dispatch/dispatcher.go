// Package dispatch moves batch jobs from the work queue through an executor:
// it takes messages in micro-batches, writes the JSON-lines input blob, runs
// the executor while keeping the messages hidden, writes each job's result,
// and only then deletes the messages. A message that keeps failing goes to
// the poison queue with the reason. Anything unfinished when the dispatcher
// stops simply reappears in the queue: nothing is lost.
package dispatch

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Settings == nil {
		cfg.Settings = router.DefaultSettings
	}
	if cfg.Tracker == nil {
		cfg.Tracker = &live.Tracker{}
	}
	if cfg.Format == nil {
		cfg.Format = referenceFormat{}
	}
	return &Dispatcher{cfg: cfg}
}

// Run dispatches until ctx ends, then returns after the runs in progress
// have been abandoned (their messages left to reappear).
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

// work is one job of a micro-batch.
type work struct {
	msg  router.Message
	item router.WorkItem
	body []byte
	gone bool // the message was lost to another receiver
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
	var batch []*work
	for _, m := range msgs {
		if w := d.admit(ctx, m); w != nil {
			batch = append(batch, w)
		}
	}
	if len(batch) == 0 {
		return len(msgs), nil
	}
	return len(msgs), d.run(ctx, batch)
}

// admit decides what to do with one received message: poison it, drop a
// duplicate of a finished job, or take it into the micro-batch.
func (d *Dispatcher) admit(ctx context.Context, m router.Message) *work {
	if m.DequeueCount > d.cfg.MaxDequeue {
		d.poison(ctx, m, fmt.Sprintf("received %d times; the limit is %d", m.DequeueCount, d.cfg.MaxDequeue))
		return nil
	}
	var item router.WorkItem
	if err := json.Unmarshal(m.Body, &item); err != nil || item.JobID == "" || (item.Body == nil && item.PayloadBlob == "") {
		d.poison(ctx, m, "not a work item")
		return nil
	}
	if job, err := d.cfg.Jobs.Get(ctx, item.JobID); err == nil && job.State.Terminal() {
		// A duplicate delivery of a finished job (a delete that was lost).
		d.delete(ctx, m)
		return nil
	}
	w := &work{msg: m, item: item, body: item.Body}
	if item.PayloadBlob != "" {
		b, err := d.cfg.Payloads.Get(ctx, d.cfg.RequestContainer, item.PayloadBlob)
		if err != nil {
			if router.ErrorCode(err) == router.ENotFound {
				d.poison(ctx, m, "payload blob "+item.PayloadBlob+" is missing")
			} else {
				d.cfg.Log.Warn("payload unreadable; message left to reappear", "job", item.JobID, "err", err)
			}
			return nil
		}
		w.body = b
	}
	if d.cfg.Metrics != nil && !item.Enqueued.IsZero() && m.DequeueCount == 1 {
		d.cfg.Metrics.DispatchLag.Observe(time.Since(item.Enqueued).Seconds())
	}
	return w
}

func (d *Dispatcher) run(ctx context.Context, batch []*work) error {
	runID := "b-" + randomHex(8)
	var in bytes.Buffer
	for _, w := range batch {
		if err := d.cfg.Format.AppendInput(&in, InputLine{JobID: w.item.JobID, Endpoint: w.item.Endpoint, Body: w.body}); err != nil {
			return fmt.Errorf("encode input line: %w", err)
		}
	}
	run := router.Run{
		ID: runID, InputContainer: d.cfg.RequestContainer, InputBlob: "batches/" + runID + "/input.jsonl",
		OutputContainer: d.cfg.ResultContainer, OutputBlob: "batches/" + runID + "/output.jsonl",
		Env: map[string]string{"MODEL_VERSION": d.cfg.Settings().ModelVersion},
	}
	if g := d.cfg.Settings().GPUMemoryLimit; g != "" {
		run.Env["GPU_MEMORY_LIMIT"] = g
	}
	if err := d.cfg.Payloads.Put(ctx, run.InputContainer, run.InputBlob, in.Bytes()); err != nil {
		return fmt.Errorf("write batch input: %w", err) // messages reappear
	}
	now := time.Now().UTC()
	for _, w := range batch {
		d.setState(ctx, w, router.JobRunning, now)
	}
	d.cfg.Log.Info("batch run started", "run", runID, "jobs", len(batch))

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.cfg.Executor.Execute(runCtx, run) }()
	tick := time.NewTicker(d.cfg.Visibility / 3)
	defer tick.Stop()
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick.C:
			d.extend(ctx, batch)
		}
	}
	if ctx.Err() != nil {
		// Stopping: leave the messages to reappear for the next dispatcher.
		d.requeue(batch)
		return nil
	}
	if err != nil {
		d.count("failed")
		d.requeue(batch)
		return fmt.Errorf("batch run %s: %w", runID, err)
	}
	out, err := d.cfg.Payloads.Get(ctx, run.OutputContainer, run.OutputBlob)
	if err != nil {
		d.count("failed")
		d.requeue(batch)
		return fmt.Errorf("read batch output %s: %w", run.OutputBlob, err)
	}
	results := d.cfg.Format.ParseOutput(out)
	d.count("succeeded")
	for _, w := range batch {
		d.finish(ctx, w, results)
	}
	d.cfg.Log.Info("batch run finished", "run", runID, "jobs", len(batch))
	return nil
}

// finish records one job's result and then deletes its message; if the
// record cannot be written the message stays and the job runs again.
func (d *Dispatcher) finish(ctx context.Context, w *work, results map[string]router.ResultLine) {
	now := time.Now().UTC()
	job := d.job(ctx, w)
	job.Updated = now
	line, ok := results[w.item.JobID]
	switch {
	case !ok:
		job.State, job.Error = router.JobFailed, "the model's output has no line for this job"
	case line.Status == "ok":
		job.State, job.ResultStatus, job.Result, job.Error = router.JobSucceeded, line.Status, line.Body, ""
	default:
		job.State, job.ResultStatus, job.Result, job.Error = router.JobFailed, line.Status, line.Body, "the model rejected the input: "+line.Status
	}
	if err := d.cfg.Jobs.Put(ctx, job); err != nil {
		d.cfg.Log.Warn("job result not stored; message left to reappear", "job", job.ID, "err", err)
		return
	}
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.JobsFinished.WithLabelValues(string(job.State)).Inc()
	}
	if !w.item.Enqueued.IsZero() {
		d.cfg.Tracker.ObserveBatch(now.Sub(w.item.Enqueued))
	}
	if !w.gone {
		d.delete(ctx, w.msg)
	}
}

// job returns the stored job record, or one rebuilt from the work item when
// the router stopped between enqueueing and storing it.
func (d *Dispatcher) job(ctx context.Context, w *work) router.Job {
	if job, err := d.cfg.Jobs.Get(ctx, w.item.JobID); err == nil {
		return job
	}
	created := w.item.Enqueued
	if created.IsZero() {
		created = time.Now().UTC()
	}
	return router.Job{ID: w.item.JobID, State: router.JobQueued, ModelVersion: w.item.ModelVersion, Created: created, Updated: created}
}

func (d *Dispatcher) setState(ctx context.Context, w *work, s router.JobState, now time.Time) {
	job := d.job(ctx, w)
	if job.State.Terminal() {
		return
	}
	job.State, job.Updated, job.Attempts = s, now, int(w.msg.DequeueCount)
	if err := d.cfg.Jobs.Put(ctx, job); err != nil {
		d.cfg.Log.Warn("job state not stored", "job", job.ID, "state", s, "err", err)
	}
}

// requeue marks the jobs queued again, best effort: their messages reappear
// after the visibility timeout whether or not this succeeds.
func (d *Dispatcher) requeue(batch []*work) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, w := range batch {
		d.setState(ctx, w, router.JobQueued, time.Now().UTC())
	}
}

func (d *Dispatcher) extend(ctx context.Context, batch []*work) {
	for _, w := range batch {
		if w.gone {
			continue
		}
		if err := d.cfg.Queue.Extend(ctx, &w.msg, d.cfg.Visibility); err != nil {
			if router.ErrorCode(err) == router.ENotFound {
				w.gone = true
			}
			d.cfg.Log.Warn("could not extend message visibility", "job", w.item.JobID, "err", err)
		}
	}
}

// poisonRecord is a poison-queue message: why, and the original message.
type poisonRecord struct {
	Reason       string          `json:"reason"`
	MessageID    string          `json:"message_id"`
	DequeueCount int64           `json:"dequeue_count"`
	JobID        string          `json:"job_id,omitempty"`
	Message      json.RawMessage `json:"message,omitempty"`
	Raw          []byte          `json:"raw,omitempty"`
	Poisoned     time.Time       `json:"poisoned"`
}

func (d *Dispatcher) poison(ctx context.Context, m router.Message, reason string) {
	rec := poisonRecord{Reason: reason, MessageID: m.ID, DequeueCount: m.DequeueCount, Poisoned: time.Now().UTC()}
	var item router.WorkItem
	if json.Valid(m.Body) {
		rec.Message = m.Body
		if json.Unmarshal(m.Body, &item) == nil {
			rec.JobID = item.JobID
		}
	} else {
		rec.Raw = m.Body
	}
	b, _ := json.Marshal(rec)
	if len(b) > d.cfg.Poison.MaxMessageSize() {
		rec.Message, rec.Raw = nil, nil // the reason and ids still fit
		b, _ = json.Marshal(rec)
	}
	if err := d.cfg.Poison.Enqueue(ctx, b); err != nil {
		d.cfg.Log.Warn("poison queue unreachable; message left to reappear", "message", m.ID, "err", err)
		return
	}
	if rec.JobID != "" {
		w := &work{msg: m, item: item}
		job := d.job(ctx, w)
		job.State, job.Updated, job.Error = router.JobFailed, time.Now().UTC(), "moved to the poison queue: "+reason
		if err := d.cfg.Jobs.Put(ctx, job); err != nil {
			d.cfg.Log.Warn("poisoned job state not stored", "job", job.ID, "err", err)
		}
	}
	d.delete(ctx, m)
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.Poisoned.Inc()
	}
	d.cfg.Log.Warn("message poisoned", "message", m.ID, "job", rec.JobID, "reason", reason)
}

func (d *Dispatcher) delete(ctx context.Context, m router.Message) {
	if err := d.cfg.Queue.Delete(ctx, m); err != nil && router.ErrorCode(err) != router.ENotFound {
		d.cfg.Log.Warn("could not delete message; it will be seen again", "message", m.ID, "err", err)
	}
}

func (d *Dispatcher) count(outcome string) {
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.BatchRuns.WithLabelValues(outcome).Inc()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
