package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// work is one job of a micro-batch.
type work struct {
	item router.WorkItem
	body []byte
	// job is the job's record as read at admission and as this dispatcher
	// has written it since: nobody else writes a job whose message it holds.
	job router.Job

	mu   sync.Mutex // guards msg and its fate while the holder extends it
	msg  router.Message
	gone bool // the message was lost to another receiver
	done bool // the message was deleted or released: stop extending it
}

// admitAll admits the received messages, cfg.Parallel at a time, and
// returns the work to run in receive order. A second message for a job
// already in the batch (a duplicate enqueue) is left hidden: when it
// reappears the job is finished and it is dropped.
func (d *Dispatcher) admitAll(ctx context.Context, msgs []router.Message) []*work {
	admitted := make([]*work, len(msgs))
	d.parallel(len(msgs), func(i int) { admitted[i] = d.admit(ctx, msgs[i]) })
	var batch []*work
	seen := map[string]bool{}
	for _, w := range admitted {
		if w == nil {
			continue
		}
		k := w.item.JobID
		if c := w.item.Chunk; c != nil {
			k = fmt.Sprintf("chunk %s/%d", c.Batch, c.Index)
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		batch = append(batch, w)
	}
	return batch
}

// admit decides what to do with one received message (a job's; a chunk's
// goes to admitChunk): drop a duplicate of a
// finished job, poison it, or take it into the micro-batch. The job's state
// is read before the receive count is looked at: a finished job is final,
// however many times its message was delivered.
func (d *Dispatcher) admit(ctx context.Context, m router.Message) *work {
	var item router.WorkItem
	err := json.Unmarshal(m.Body, &item)
	if err == nil && item.Chunk != nil {
		return d.admitChunk(ctx, m, item)
	}
	if err != nil || item.JobID == "" || (item.Body == nil && item.PayloadBlob == "") {
		d.poison(ctx, m, "not a work item")
		return nil
	}
	job, err := d.cfg.Jobs.Get(ctx, item.JobID)
	switch {
	case err == nil && job.State.Terminal():
		// A duplicate delivery of a finished job (a delete that was lost).
		d.delete(ctx, m)
		return nil
	case router.ErrorCode(err) == router.ENotFound:
		// Not taken before: the message carries the job's record.
		job = d.rebuild(item)
		if item.KeyHash != "" && !d.boundToKey(ctx, m, item) {
			return nil
		}
	case err != nil:
		d.cfg.Log.Warn("job record unreadable; message left to reappear", "job", item.JobID, "err", err)
		return nil
	}
	if m.DequeueCount > d.cfg.MaxDequeue {
		d.poison(ctx, m, fmt.Sprintf("received %d times; the limit is %d", m.DequeueCount, d.cfg.MaxDequeue))
		return nil
	}
	w := &work{msg: m, item: item, body: item.Body, job: job}
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
		d.cfg.Metrics.DispatchLag.Observe(d.now().Sub(item.Enqueued).Seconds())
	}
	return w
}

// boundToKey reports whether the Idempotency-Key of a job not taken before
// is bound to it, binding it if no attempt did (the router that accepted
// the job stopped before): the message of an attempt whose key another
// job holds (a concurrent retry, another body) is deleted, unrun.
func (d *Dispatcher) boundToKey(ctx context.Context, m router.Message, item router.WorkItem) bool {
	c, err := d.cfg.Jobs.Claim(ctx, item.KeyHash, item.BodyHash, item.JobID)
	switch {
	case err == nil && c.JobID == item.JobID:
		return true
	case err == nil || router.ErrorCode(err) == router.EIdempotencyConflict:
		d.delete(ctx, m)
		return false
	}
	d.cfg.Log.Warn("idempotency key unreadable; message left to reappear", "job", item.JobID, "err", err)
	return false
}

// rebuild makes the record of a job from its message, for a job not taken
// before.
func (d *Dispatcher) rebuild(item router.WorkItem) router.Job {
	created := item.Enqueued
	if created.IsZero() {
		created = d.now()
	}
	return router.Job{ID: item.JobID, State: router.JobQueued, Model: item.ModelName, ModelVersion: item.ModelVersion,
		Revision: item.Revision, Created: created, Updated: created}
}

// admitChunk takes a chunk's message into the micro-batches, or, received
// too many times, ends every line of the chunk job_failed (stored before
// the message goes to the poison queue, so that the batch still ends).
func (d *Dispatcher) admitChunk(ctx context.Context, m router.Message, item router.WorkItem) *work {
	if d.cfg.Chunks == nil {
		d.cfg.Log.Warn("a Batch API chunk reached a dispatcher without the Batch API; message left to reappear", "message", m.ID)
		return nil
	}
	if m.DequeueCount > d.cfg.MaxDequeue {
		reason := fmt.Sprintf("received %d times; the limit is %d", m.DequeueCount, d.cfg.MaxDequeue)
		all := router.LineFailure{Code: router.LineJobFailed, Message: "the request's chunk was moved to the poison queue: " + reason}
		if err := d.cfg.Chunks.Finish(ctx, *item.Chunk, router.ChunkOutcome{All: &all}); err != nil {
			d.cfg.Log.Warn("chunk outcome not stored; message left to reappear", "batch", item.Chunk.Batch, "chunk", item.Chunk.Index, "err", err)
			return nil
		}
		d.poison(ctx, m, reason)
		return nil
	}
	if d.cfg.Metrics != nil && !item.Enqueued.IsZero() && m.DequeueCount == 1 {
		d.cfg.Metrics.DispatchLag.Observe(d.now().Sub(item.Enqueued).Seconds())
	}
	return &work{msg: m, item: item}
}
