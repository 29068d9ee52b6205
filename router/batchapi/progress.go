package batchapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The metadata a chunk's result is created with: its lines answered and
// failed, and where its output lines end (the error lines follow).
const (
	metaCompleted = "completed"
	metaFailed    = "failed"
	metaOutBytes  = "outbytes"
)

// chunkResult is a chunk's stored outcome, as listed.
type chunkResult struct {
	completed, failed int
	outBytes, size    int64
}

// results lists the chunks of a batch that have an outcome: one List call
// for up to 5,000 chunks, the counts read from the metadata.
func (s *Service) results(ctx context.Context, batchID string) (map[int]chunkResult, error) {
	entries, err := s.cfg.Blobs.List(ctx, s.cfg.Container, resultsPrefix(batchID))
	if err != nil {
		return nil, err
	}
	out := make(map[int]chunkResult, len(entries))
	for _, e := range entries {
		n, err := strconv.Atoi(strings.TrimPrefix(e.Name, resultsPrefix(batchID)))
		if err != nil {
			continue
		}
		r := chunkResult{size: e.Size}
		r.completed, _ = strconv.Atoi(e.Meta[metaCompleted])
		r.failed, _ = strconv.Atoi(e.Meta[metaFailed])
		r.outBytes, _ = strconv.ParseInt(e.Meta[metaOutBytes], 10, 64)
		r.outBytes = min(max(r.outBytes, 0), e.Size)
		out[n] = r
	}
	return out, nil
}

// progress advances a batch whose chunks are stored: it takes a cancel up,
// finalizes when the batch is over, otherwise keeps its window of chunks
// queued, and stores request_counts when they moved.
func (s *Service) progress(ctx context.Context, l *lease, rec *record) error {
	now := s.cfg.Now()
	if rec.Status == router.BatchInProgress {
		asked, err := s.cancelAsked(ctx, rec.ID)
		if err != nil {
			return err
		}
		if asked {
			rec.Status, rec.CancellingAt = router.BatchCancelling, unix(now)
			if err := s.save(ctx, l, *rec); err != nil {
				return err
			}
		}
	}
	res, err := s.results(ctx, rec.ID)
	if err != nil {
		return err
	}
	finished := 0 // among the chunks queued so far
	for n := range res {
		if n < rec.Enqueued {
			finished++
		}
	}
	switch {
	case rec.ExpiresAt != nil && now.Unix() >= *rec.ExpiresAt:
		return s.finalize(ctx, l, rec, router.BatchExpired)
	case rec.Status == router.BatchCancelling && finished == rec.Enqueued:
		return s.finalize(ctx, l, rec, router.BatchCancelled)
	case rec.Status == router.BatchInProgress && finished == rec.Chunks && rec.Enqueued == rec.Chunks:
		return s.finalize(ctx, l, rec, router.BatchCompleted)
	}
	before := *rec
	var qerr error
	if rec.Status == router.BatchInProgress {
		for running := rec.Enqueued - finished; rec.Enqueued < rec.Chunks && running < s.cfg.Window(); rec.Enqueued++ {
			if _, done := res[rec.Enqueued]; done {
				continue // an outcome already (queued before a restart)
			}
			if qerr = s.enqueue(ctx, rec, rec.Enqueued); qerr != nil {
				break
			}
			running++
		}
	}
	rec.RequestCounts.Completed, rec.RequestCounts.Failed = 0, 0
	for _, r := range res {
		rec.RequestCounts.Completed += r.completed
		rec.RequestCounts.Failed += r.failed
	}
	if rec.Enqueued != before.Enqueued || rec.RequestCounts != before.RequestCounts {
		if err := s.save(ctx, l, *rec); err != nil {
			return err
		}
	}
	return qerr
}

// enqueue queues a message for chunk n.
func (s *Service) enqueue(ctx context.Context, rec *record, n int) error {
	c := &router.ChunkRef{Batch: rec.ID, Index: n, Blob: chunkName(rec.ID, n), ExpiresAt: *rec.ExpiresAt}
	if n < len(rec.ChunkModels) {
		c.Model = rec.ChunkModels[n]
	}
	item := router.WorkItem{Chunk: c, Enqueued: s.cfg.Now().UTC()}
	b, err := json.Marshal(item)
	if err != nil {
		return fmt.Errorf("encode chunk message: %w", err)
	}
	if err := s.cfg.Queue.Enqueue(ctx, b); err != nil {
		return fmt.Errorf("queue chunk %d of %s: %w", n, rec.ID, err)
	}
	return nil
}
