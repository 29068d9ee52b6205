package dispatch

import (
	"context"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

// expediteBacklog is how many expedited jobs may wait for Run to start
// them; beyond it, or with no Run under way, a job is left to the pool.
const expediteBacklog = 256

// expedited is a job to answer on the inference app by its deadline.
type expedited struct {
	w        *work
	deadline time.Time
}

var _ router.Expediter = (*Dispatcher)(nil)

// Expedite implements router.Expediter: Run answers the job on the
// inference app (Config.Realtime). A job it cannot take is released at once
// for the pool.
func (d *Dispatcher) Expedite(job router.Job, item router.WorkItem, m router.Message, body []byte, deadline time.Time) {
	m.DequeueCount = 1 // the app's attempt is the job's first
	e := expedited{w: &work{item: item, body: body, job: job, msg: m}, deadline: deadline}
	if d.cfg.Realtime != nil {
		select {
		case d.exp <- e:
			return
		default:
		}
	}
	go d.releaseAll([]router.Message{m})
}

// expediteLoop starts the expedited jobs until ctx ends; then it gives the
// ones not started back to the pool.
func (d *Dispatcher) expediteLoop(ctx context.Context, started func(func())) {
	for {
		select {
		case e := <-d.exp:
			started(func() { d.expedite(ctx, e) })
		case <-ctx.Done():
			for {
				select {
				case e := <-d.exp:
					d.requeue([]*work{e.w})
				default:
					return
				}
			}
		}
	}
}

// expedite answers one job on the inference app by its deadline, counted by
// the tracker as the realtime call it is. Its message stays hidden (stored
// so) while it runs; if the app gives no answer in time the message is
// released at once, for the pool.
func (d *Dispatcher) expedite(ctx context.Context, e expedited) {
	w := e.w
	start := d.now()
	d.setState(ctx, w, router.JobRunning, start)

	m, rev := d.model(w), d.revision(w)
	tr, settings := rev.Tracker, m.Settings()
	st := tr.Snapshot(start)
	replicaUp := st.ReplicaUp(settings)
	tr.Begin(start)
	if !replicaUp {
		tr.BeginCold(start, st.BeginsColdStart(settings))
	}
	tr.BeginUrgent(start)
	cctx, cancel := context.WithDeadline(ctx, e.deadline)
	line, err := d.cfg.Realtime(rev).Infer(cctx, w.body)
	cancel()
	now := d.now()
	tr.EndUrgent(now)
	tr.End(now, now.Sub(start), int64(len(w.body)), live.AnswerOf(err == nil, replicaUp))

	if err != nil {
		d.count("expedite_failed")
		d.cfg.Log.Info("expedited job not answered by the inference app in time; the pool runs it", "job", w.item.JobID, "err", err)
		d.requeue([]*work{w})
		return
	}
	d.count("expedited")
	line.ID = w.item.JobID
	d.finish(ctx, w, map[string]router.ResultLine{w.item.JobID: line})
}
