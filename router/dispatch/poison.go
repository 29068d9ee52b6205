package dispatch

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

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

// poison moves a message to the poison queue and marks its job failed with
// the reason, unless the job is already finished: succeeded and failed are
// final. If the poison queue cannot be written the message stays.
func (d *Dispatcher) poison(ctx context.Context, m router.Message, reason string) bool {
	rec := poisonRecord{Reason: reason, MessageID: m.ID, DequeueCount: m.DequeueCount, Poisoned: d.now()}
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
		return false
	}
	if rec.JobID != "" {
		d.failPoisoned(ctx, item, reason)
	}
	d.delete(ctx, m)
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.Poisoned.Inc()
	}
	d.cfg.Log.Warn("message poisoned", "message", m.ID, "job", rec.JobID, "reason", reason)
	return true
}

// failPoisoned marks the job of a poisoned message failed, reading its
// record first so that a finished job is never overwritten.
func (d *Dispatcher) failPoisoned(ctx context.Context, item router.WorkItem, reason string) {
	job, err := d.cfg.Jobs.Get(ctx, item.JobID)
	switch {
	case err == nil && job.State.Terminal():
		return
	case router.ErrorCode(err) == router.ENotFound:
		job = d.rebuild(item)
	case err != nil:
		d.cfg.Log.Warn("poisoned job state not stored", "job", item.JobID, "err", err)
		return
	}
	job.State, job.Updated, job.Error = router.JobFailed, d.now(), "moved to the poison queue: "+reason
	if err := d.cfg.Jobs.Put(ctx, job); err != nil {
		d.cfg.Log.Warn("poisoned job state not stored", "job", job.ID, "err", err)
	}
}

// poisonWork poisons a job of a micro-batch and ends the hold on its message.
func (d *Dispatcher) poisonWork(ctx context.Context, w *work, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	w.done = true
	if w.gone {
		// Another receiver has the message; record the failure all the same.
		d.failPoisoned(ctx, w.item, reason)
		return
	}
	if !d.poison(ctx, w.msg, reason) {
		d.release(ctx, w)
	}
}
