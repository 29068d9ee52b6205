package batchapi

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The manager carries each active batch through its life, from what is
// stored only, so that any router (or the same one after a restart) can:
//
//	validating   check every line; queue each valid one as a job, with the
//	             idempotency key batch id + custom_id, so that redoing this
//	             step after a stop queues nothing twice; write the .lines
//	             blob; then in_progress (or cancelling).
//	in_progress  read the jobs of pending lines, oldest first, PollLines at a
//	             time, and store request_counts as they move.
//	cancelling   mark lines still queued as cancelled; running ones finish.
//	expired      past expires_at: every line not finished is marked expired.
//	finalizing   every line has ended: write the output and error files
//	             (ids derived from the batch id, so a redo overwrites) and
//	             the terminal status; drop the active marker.

// progress is the manager's memory of a batch's lines; it is rebuilt from
// the job records after a restart.
type progress struct {
	refs              []lineRef
	done              []bool
	next              int // first line not known to be finished
	completed, failed int // among refs
}

// Run advances the active batches every Poll until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick advances every active batch by one step. It is not safe to call
// from two goroutines at once (Run is the one caller in production).
func (s *Service) Tick(ctx context.Context) {
	names, err := s.cfg.Blobs.List(ctx, s.cfg.Container, activePrefix)
	if err != nil {
		if ctx.Err() == nil {
			s.cfg.Log.Warn("batch api: active batches unreadable", "err", err)
		}
		return
	}
	active := map[string]bool{}
	for _, n := range names {
		id := strings.TrimPrefix(n, activePrefix)
		active[id] = true
		if err := s.advance(ctx, id); err != nil && ctx.Err() == nil {
			s.cfg.Log.Warn("batch api: batch not advanced; retried next time", "batch", id, "err", err)
		}
	}
	for id := range s.progress {
		if !active[id] {
			delete(s.progress, id)
		}
	}
}

func (s *Service) save(ctx context.Context, rec record) error {
	if err := s.putJSON(ctx, recordName(rec.ID), rec); err != nil {
		return fmt.Errorf("store batch %s: %w", rec.ID, err)
	}
	return nil
}

func unix(t time.Time) *int64 {
	u := t.Unix()
	return &u
}

// advance moves one batch as far as it can go now.
func (s *Service) advance(ctx context.Context, id string) error {
	rec, err := s.record(ctx, id)
	if router.ErrorCode(err) == router.ENotFound {
		return nil // its creation is under way, or stopped before the record
	}
	if err != nil {
		return err
	}
	if rec.Status.Terminal() {
		delete(s.progress, id)
		return s.cfg.Blobs.Delete(ctx, s.cfg.Container, activeName(id))
	}
	now := s.cfg.Now()
	if rec.Status != router.BatchFinalizing && rec.Status != router.BatchCancelling {
		asked, err := s.cancelAsked(ctx, id)
		if err != nil {
			return err
		}
		if asked {
			rec.Status, rec.CancellingAt = router.BatchCancelling, unix(now)
			if err := s.save(ctx, rec); err != nil {
				return err
			}
		}
	}
	if !rec.Queued {
		if err := s.queue(ctx, &rec); err != nil {
			return err
		}
	}
	p, err := s.progressOf(ctx, rec)
	if err != nil {
		return err
	}
	if rec.Status != router.BatchFinalizing {
		expiring := rec.ExpiresAt != nil && now.Unix() >= *rec.ExpiresAt
		if err := s.check(ctx, &rec, p, expiring, now); err != nil {
			return err
		}
		if p.next < len(p.refs) {
			return nil
		}
		rec.Ending = router.BatchCompleted
		switch {
		case rec.Status == router.BatchCancelling:
			rec.Ending = router.BatchCancelled
		case expiring:
			rec.Ending = router.BatchExpired
		}
		rec.Status, rec.FinalizingAt = router.BatchFinalizing, unix(now)
		if err := s.save(ctx, rec); err != nil {
			return err
		}
	}
	return s.finalize(ctx, rec, p)
}

// queue validates the input and queues each valid line as a job.
func (s *Service) queue(ctx context.Context, rec *record) error {
	data, err := s.FileContent(ctx, rec.InputFileID)
	if err != nil {
		return fmt.Errorf("read input file %s: %w", rec.InputFileID, err)
	}
	model := s.cfg.Model()
	valid, bad := validate(data, rec.Endpoint, model, s.cfg.MaxLineBytes)
	var inv bytes.Buffer
	for _, e := range bad {
		appendLine(&inv, invalidLine(rec.ID, e))
	}
	if err := s.cfg.Blobs.Put(ctx, s.cfg.Container, invalidName(rec.ID), inv.Bytes()); err != nil {
		return fmt.Errorf("store invalid lines: %w", err)
	}
	refs := make([]lineRef, len(valid))
	errs := make([]error, len(valid))
	// A few submissions at once: each is a few storage round trips.
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, l := range valid {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			job, _, err := s.cfg.Jobs.Submit(ctx, router.Submission{
				Body: l.Body, IdempotencyKey: "openai-batch/" + rec.ID + "/" + l.CustomID,
				ModelVersion: model, Endpoint: rec.Endpoint,
			})
			refs[i], errs[i] = lineRef{CustomID: l.CustomID, JobID: job.ID}, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("queue line %q: %w", valid[i].CustomID, err)
		}
	}
	if err := s.putJSON(ctx, linesName(rec.ID), refs); err != nil {
		return fmt.Errorf("store queued lines: %w", err)
	}
	rec.Queued, rec.Invalid = true, len(bad)
	rec.RequestCounts = router.RequestCounts{Total: len(valid) + len(bad), Failed: len(bad)}
	if rec.Status == router.BatchValidating {
		rec.Status, rec.InProgressAt = router.BatchInProgress, unix(s.cfg.Now())
	}
	s.cfg.Log.Info("batch api: batch queued", "batch", rec.ID, "lines", len(valid), "invalid", len(bad))
	return s.save(ctx, *rec)
}

func (s *Service) progressOf(ctx context.Context, rec record) (*progress, error) {
	if p, ok := s.progress[rec.ID]; ok {
		return p, nil
	}
	var refs []lineRef
	if err := s.getJSON(ctx, linesName(rec.ID), &refs); err != nil {
		return nil, fmt.Errorf("read queued lines: %w", err)
	}
	p := &progress{refs: refs, done: make([]bool, len(refs))}
	s.progress[rec.ID] = p
	return p, nil
}

// check reads the jobs of pending lines, oldest first: PollLines of them,
// or all when cancelling or expiring, which also end the lines they may.
func (s *Service) check(ctx context.Context, rec *record, p *progress, expiring bool, now time.Time) error {
	cancelling := rec.Status == router.BatchCancelling
	budget := s.cfg.PollLines
	if cancelling || expiring {
		budget = len(p.refs)
	}
	for i := p.next; i < len(p.refs) && budget > 0; i++ {
		if p.done[i] {
			continue
		}
		budget--
		job, err := s.cfg.Store.Get(ctx, p.refs[i].JobID)
		if err != nil && router.ErrorCode(err) != router.ENotFound {
			return err
		}
		if err != nil {
			// Queued but its record not yet stored; only expiry ends it now.
			job = router.Job{ID: p.refs[i].JobID, State: router.JobQueued, Created: now}
		}
		if !job.State.Terminal() {
			switch {
			case expiring:
				job.ResultStatus, job.Error = CodeExpired, "the batch's completion window ended before this request ran"
			case cancelling && job.State == router.JobQueued:
				job.ResultStatus, job.Error = CodeCancelled, "the batch was cancelled before this request ran"
			default:
				continue
			}
			job.State, job.Updated = router.JobFailed, now
			if err := s.cfg.Store.Put(ctx, job); err != nil {
				return err
			}
		}
		p.done[i] = true
		if job.State == router.JobSucceeded {
			p.completed++
		} else {
			p.failed++
		}
	}
	for p.next < len(p.refs) && p.done[p.next] {
		p.next++
	}
	counts := router.RequestCounts{Total: len(p.refs) + rec.Invalid, Completed: p.completed, Failed: p.failed + rec.Invalid}
	if counts != rec.RequestCounts {
		rec.RequestCounts = counts
		return s.save(ctx, *rec)
	}
	return nil
}

// finalize writes the output and error files and the terminal status.
func (s *Service) finalize(ctx context.Context, rec record, p *progress) error {
	var out, errOut bytes.Buffer
	completed, failed := 0, 0
	for _, ref := range p.refs {
		job, err := s.cfg.Store.Get(ctx, ref.JobID)
		if err != nil {
			return fmt.Errorf("read job %s: %w", ref.JobID, err)
		}
		line, ok := resultLine(ref, job)
		if ok {
			appendLine(&out, line)
			completed++
		} else {
			appendLine(&errOut, line)
			failed++
		}
	}
	inv, err := s.cfg.Blobs.Get(ctx, s.cfg.Container, invalidName(rec.ID))
	if err != nil && router.ErrorCode(err) != router.ENotFound {
		return err
	}
	errOut.Write(inv)
	failed += rec.Invalid
	now := s.cfg.Now()
	for _, f := range []struct {
		kind string
		data []byte
		id   **string
	}{{"output", out.Bytes(), &rec.OutputFileID}, {"error", errOut.Bytes(), &rec.ErrorFileID}} {
		if len(f.data) == 0 {
			continue
		}
		file := router.File{ID: derivedFileID(rec.ID, f.kind), Object: "file", Bytes: int64(len(f.data)), CreatedAt: now.Unix(),
			Filename: rec.ID + "_" + f.kind + ".jsonl", Purpose: router.PurposeBatchOutput, Status: "processed"}
		if err := s.storeFile(ctx, file, f.data); err != nil {
			return err
		}
		*f.id = &file.ID
	}
	rec.RequestCounts = router.RequestCounts{Total: completed + failed, Completed: completed, Failed: failed}
	rec.Status = rec.Ending
	switch rec.Ending {
	case router.BatchCancelled:
		rec.CancelledAt = unix(now)
	case router.BatchExpired:
		rec.ExpiredAt = unix(now)
	default:
		rec.Status, rec.CompletedAt = router.BatchCompleted, unix(now)
	}
	if err := s.save(ctx, rec); err != nil {
		return err
	}
	delete(s.progress, rec.ID)
	s.cfg.Log.Info("batch api: batch finished", "batch", rec.ID, "status", rec.Status, "completed", completed, "failed", failed)
	return s.cfg.Blobs.Delete(ctx, s.cfg.Container, activeName(rec.ID))
}
