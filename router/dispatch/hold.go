package dispatch

import (
	"context"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// holder keeps a micro-batch's messages hidden while its runs last: every
// third of the visibility timeout it extends each message not yet deleted or
// released. A message whose extension finds it gone was lost to another
// receiver; its job still finishes here, but its message is not deleted.
type holder struct {
	stop func()
}

func (d *Dispatcher) hold(ctx context.Context, batch []*work) *holder {
	hctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(d.cfg.Visibility / 3)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				d.each(batch, func(w *work) { d.extend(hctx, w) })
			}
		}
	})
	return &holder{stop: func() { cancel(); wg.Wait() }}
}

func (d *Dispatcher) extend(ctx context.Context, w *work) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gone || w.done {
		return
	}
	err := d.cfg.Queue.Extend(ctx, &w.msg, d.cfg.Visibility)
	if err == nil || ctx.Err() != nil {
		return
	}
	if router.ErrorCode(err) == router.ENotFound {
		w.gone = true
	}
	d.cfg.Log.Warn("could not extend message visibility", "job", w.item.JobID, "err", err)
}

// settle ends this dispatcher's hold on w's message: deleted when the job is
// finished, otherwise released to be received again at once. A message lost
// to another receiver is left to it.
func (d *Dispatcher) settle(ctx context.Context, w *work, finished bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	w.done = true
	if w.gone {
		return
	}
	if finished {
		d.delete(ctx, w.msg)
		return
	}
	d.release(ctx, w)
}

// release makes w's message visible again; w.mu is held.
func (d *Dispatcher) release(ctx context.Context, w *work) {
	if err := d.cfg.Queue.Release(ctx, w.msg); err != nil && router.ErrorCode(err) != router.ENotFound {
		d.cfg.Log.Warn("could not release message; it reappears after its visibility timeout", "job", w.item.JobID, "err", err)
	}
}

func (d *Dispatcher) delete(ctx context.Context, m router.Message) {
	if err := d.cfg.Queue.Delete(ctx, m); err != nil && router.ErrorCode(err) != router.ENotFound {
		d.cfg.Log.Warn("could not delete message; it will be seen again", "message", m.ID, "err", err)
	}
}

// releaseAll gives back messages received by a dispatcher that is stopping,
// before they were admitted, best effort: a message not released reappears
// after its visibility timeout anyway.
func (d *Dispatcher) releaseAll(msgs []router.Message) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d.parallel(len(msgs), func(i int) {
		if err := d.cfg.Queue.Release(ctx, msgs[i]); err != nil && router.ErrorCode(err) != router.ENotFound {
			d.cfg.Log.Warn("could not release message; it reappears after its visibility timeout", "message", msgs[i].ID, "err", err)
		}
	})
}
