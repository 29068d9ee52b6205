package batchapi

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The manager carries each active batch through its life from what is
// stored only. Every Poll it lists the active batches and starts following
// each one it can lease; a followed batch is advanced at every Poll and as
// soon as one of its chunks finishes on this replica, at most every
// minAdvance:
//
//	validating   stream the input file, check every line, store the valid
//	             ones in chunks; then in_progress, or failed (an invalid
//	             line: nothing runs), or cancelled (asked meanwhile).
//	in_progress  keep up to Window chunks of the batch queued or running,
//	             count the chunks' results into request_counts.
//	cancelling   queue nothing more; the dispatcher runs no chunk of the
//	             batch from now on; once every queued chunk has an outcome,
//	             finalize (lines never queued end batch_cancelled).
//	expired      past expires_at: finalize at once with what has finished.
//	finalizing   concatenate the chunks' results into the output and error
//	             files (ids derived from the batch, so a redo overwrites);
//	             then the terminal status; drop the active marker.
//
// Batches are followed independently: a large one being validated or run
// does not hold back another.

// minAdvance spaces a batch's advances: a chunk finishing wakes its batch's
// follower, and with many chunks a second, one pass handles them all.
const minAdvance = 250 * time.Millisecond

// maxFollowed bounds the batches one replica leads at once.
const maxFollowed = 64

// Run follows the active batches until ctx ends.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		s.followActive(ctx, &wg)
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// wakeManager makes Run look for active batches now (one was created).
func (s *Service) wakeManager() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// notify wakes the follower of batch id, if this replica leads it.
func (s *Service) notify(id string) {
	s.mu.Lock()
	ch := s.followed[id]
	s.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (s *Service) followActive(ctx context.Context, wg *sync.WaitGroup) {
	entries, err := s.cfg.Blobs.List(ctx, s.cfg.Container, activePrefix)
	if err != nil {
		if ctx.Err() == nil {
			s.cfg.Log.Warn("batch api: active batches unreadable", "err", err)
		}
		return
	}
	for _, e := range entries {
		id := strings.TrimPrefix(e.Name, activePrefix)
		if !validBatchID(id) {
			continue
		}
		s.mu.Lock()
		_, busy := s.followed[id]
		full := len(s.followed) > maxFollowed
		var wake chan struct{}
		if !busy && !full {
			wake = make(chan struct{}, 1)
			s.followed[id] = wake
		}
		s.mu.Unlock()
		if wake == nil {
			continue
		}
		wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.followed, id)
				s.mu.Unlock()
			}()
			s.follow(ctx, id, wake)
		})
	}
}

// follow leads one batch while this replica holds its lease.
func (s *Service) follow(ctx context.Context, id string, wake chan struct{}) {
	l, ok, err := s.takeLease(ctx, id)
	if err != nil && ctx.Err() == nil {
		s.cfg.Log.Warn("batch api: batch not leased; retried next time", "batch", id, "err", err)
	}
	if !ok {
		return
	}
	defer s.release(l, id)
	for {
		done, err := s.advance(l.ctx, l, id)
		switch {
		case errors.Is(err, router.ErrLeaseLost):
			s.cfg.Log.Warn("batch api: lease lost; another replica leads the batch", "batch", id)
			return
		case err != nil && l.ctx.Err() == nil:
			s.cfg.Log.Warn("batch api: batch not advanced; retried", "batch", id, "err", err)
		}
		if done || l.ctx.Err() != nil {
			return
		}
		next := time.NewTimer(s.cfg.Poll)
		select {
		case <-l.ctx.Done():
		case <-wake:
		case <-next.C:
		}
		next.Stop()
		select {
		case <-l.ctx.Done():
		case <-time.After(minAdvance):
		}
	}
}

// failUnchunked ends a batch that an earlier version of the router took past
// validation: its lines ran as single jobs, which this one does not follow.
func (s *Service) failUnchunked(ctx context.Context, l *lease, rec *record) error {
	rec.Status, rec.FailedAt = router.BatchFailed, unix(s.cfg.Now())
	rec.Errors = &router.BatchErrors{Object: "list", Data: []router.BatchError{batchError(CodeInvalidRequest, nil, nil,
		"this batch was started by an earlier version of the router, whose batches this one cannot resume; create it again from its input file %s", rec.InputFileID)}}
	if err := s.save(ctx, l, *rec); err != nil {
		return err
	}
	return s.cfg.Blobs.Delete(ctx, s.cfg.Container, activeName(rec.ID))
}

// advance moves one batch as far as it can go now; done means this replica
// has nothing more to do for it.
func (s *Service) advance(ctx context.Context, l *lease, id string) (done bool, err error) {
	rec, err := s.record(ctx, id)
	if err != nil {
		return false, err
	}
	if rec.Status.Terminal() {
		return true, s.cfg.Blobs.Delete(ctx, s.cfg.Container, activeName(id))
	}
	if rec.Status != router.BatchValidating && rec.Chunks == 0 {
		return true, s.failUnchunked(ctx, l, &rec)
	}
	switch rec.Status {
	case router.BatchValidating:
		if err := s.validate(ctx, l, &rec); err != nil {
			return false, err
		}
		if rec.Status.Terminal() {
			return true, s.cfg.Blobs.Delete(ctx, s.cfg.Container, activeName(id))
		}
		fallthrough
	case router.BatchInProgress, router.BatchCancelling:
		err := s.progress(ctx, l, &rec)
		return rec.Status.Terminal(), err
	}
	return true, s.finalize(ctx, l, &rec, rec.Ending)
}
