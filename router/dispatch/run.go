package dispatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// commandFailed is a run whose batch command itself failed (the executor's
// internal error): some input of the run may be the cause.
type commandFailed struct{ err error }

func (e *commandFailed) Error() string { return e.err.Error() }
func (e *commandFailed) Unwrap() error { return e.err }

// runSplitting runs batch; if the batch command fails, it runs each half
// again, down to single jobs. A job that fails alone goes to the poison
// queue with the command's error; the others finish normally. Any other
// failure gives the whole batch back to the queue.
func (d *Dispatcher) runSplitting(ctx context.Context, batch []*work) error {
	err := d.run(ctx, batch)
	var cf *commandFailed
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil || !errors.As(err, &cf):
		d.requeue(batch)
		if ctx.Err() != nil {
			return nil // stopping: the next dispatcher takes the work up
		}
		return err
	case len(batch) == 1:
		w := batch[0]
		d.poisonWork(ctx, w, "the batch command failed on this input alone: "+router.ErrorMessage(cf.err))
		return nil
	}
	d.cfg.Log.Warn("batch command failed; running each half again", "jobs", len(batch), "err", err)
	half := len(batch) / 2
	return errors.Join(d.runSplitting(ctx, batch[:half]), d.runSplitting(ctx, batch[half:]))
}

// run executes one micro-batch and records each job's result.
func (d *Dispatcher) run(ctx context.Context, batch []*work) error {
	runID := newRunID()
	m, rev := d.model(batch[0]), d.revision(batch[0])
	var in bytes.Buffer
	for _, w := range batch {
		if err := d.formats[m.Key].AppendInput(&in, InputLine{JobID: w.item.JobID, Body: w.body}); err != nil {
			return fmt.Errorf("encode input line: %w", err)
		}
	}
	input := inputBlob(runID)
	if err := d.cfg.Payloads.Put(ctx, d.cfg.RequestContainer, input, in.Bytes()); err != nil {
		return fmt.Errorf("write batch input: %w", err)
	}
	now := d.now()
	d.each(batch, func(w *work) { d.setState(ctx, w, router.JobRunning, now) })
	d.cfg.Log.Info("batch run started", "run", runID, "jobs", len(batch))
	results, err := d.execute(ctx, m, rev, runID, input)
	if err != nil {
		return err
	}
	d.each(batch, func(w *work) { d.finish(ctx, w, results) })
	d.cfg.Log.Info("batch run finished", "run", runID, "jobs", len(batch))
	return nil
}

func newRunID() string { return "b-" + router.RandomHex(8) }

// inputBlob is where a run's input file is written, in the request container.
func inputBlob(runID string) string { return "batches/" + runID + "/input.jsonl" }

// execute runs model m's batch command over the input file input (in the
// request container) and returns its answers by line id. A failure of the
// command itself is a *commandFailed.
func (d *Dispatcher) execute(ctx context.Context, m *models.Deployment, rev *models.Revision, runID, input string) (map[string]router.ResultLine, error) {
	settings := m.Settings()
	if rev.Version != "" {
		settings.ModelVersion = rev.Version
	}
	run := router.Run{
		ID: runID, InputContainer: d.cfg.RequestContainer, InputBlob: input,
		OutputContainer: d.cfg.ResultContainer, OutputBlob: "batches/" + runID + "/output.jsonl",
		Env:   map[string]string{router.BatchEnvModelVersion: settings.ModelVersion},
		Model: m.Key, Image: rev.Image, Command: m.BatchCommand, PoolID: m.PoolID,
	}
	if g := settings.GPUMemoryLimit; g != "" {
		run.Env[router.BatchEnvGPUMemoryLimit] = g
	}
	if err := d.cfg.Executor.Execute(ctx, run); err != nil {
		d.count("failed")
		if ctx.Err() == nil && router.ErrorCode(err) == router.EInternal {
			return nil, &commandFailed{fmt.Errorf("batch run %s: %w", runID, err)}
		}
		return nil, fmt.Errorf("batch run %s: %w", runID, err)
	}
	out, err := d.cfg.Payloads.Get(ctx, run.OutputContainer, run.OutputBlob)
	if err != nil {
		d.count("failed")
		return nil, fmt.Errorf("read batch output %s: %w", run.OutputBlob, err)
	}
	d.count("succeeded")
	return d.formats[m.Key].ParseOutput(out), nil
}

// finish records one job's result and then deletes its message; if the
// record cannot be written the message is released and the job runs again.
func (d *Dispatcher) finish(ctx context.Context, w *work, results map[string]router.ResultLine) {
	now := d.now()
	job := w.job
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
		d.cfg.Log.Warn("job result not stored; message released to run again", "job", job.ID, "err", err)
		d.settle(ctx, w, false)
		return
	}
	w.job = job
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.JobsFinished.WithLabelValues(string(job.State)).Inc()
	}
	if !w.item.Enqueued.IsZero() {
		d.revision(w).Tracker.ObserveBatch(now, now.Sub(w.item.Enqueued))
	}
	d.settle(ctx, w, true)
}

func (d *Dispatcher) setState(ctx context.Context, w *work, s router.JobState, now time.Time) {
	if w.item.Chunk != nil || w.job.State.Terminal() {
		return
	}
	job := w.job
	job.State, job.Updated, job.Attempts = s, now, int(w.msg.DequeueCount)
	if s == router.JobRunning && d.model(w).IsRolledBack(job.Revision) {
		job.Revision = d.revision(w).Name // the record says which revision answers
	}
	if err := d.cfg.Jobs.Put(ctx, job); err != nil {
		d.cfg.Log.Warn("job state not stored", "job", job.ID, "state", s, "err", err)
		return
	}
	w.job = job
}

// requeue marks the jobs queued again and releases their messages at once,
// best effort and even while stopping: a message not released reappears
// after its visibility timeout anyway.
func (d *Dispatcher) requeue(batch []*work) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := d.now()
	d.each(batch, func(w *work) {
		d.setState(ctx, w, router.JobQueued, now)
		d.settle(ctx, w, false)
	})
}
