package batchapi

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// MaxCompletionWindow bounds completion_window.
const MaxCompletionWindow = 7 * 24 * time.Hour

// ParseCompletionWindow reads a completion window: whole hours written
// plainly ("24h", OpenAI's value; no sign, no leading zero), from 1h to 168h.
func ParseCompletionWindow(s string) (time.Duration, error) {
	h, ok := strings.CutSuffix(s, "h")
	n, err := strconv.Atoi(h)
	if !ok || err != nil || h == "" || h[0] < '1' || h[0] > '9' || n > int(MaxCompletionWindow/time.Hour) {
		return 0, router.Errorf(router.EBadRequest, "completion_window must be whole hours from 1h to 168h written as such, e.g. \"24h\"; got %q", router.Excerpt(s))
	}
	return time.Duration(n) * time.Hour, nil
}

// Metadata limits, as OpenAI's: 16 pairs, keys of 64 characters, values of
// 512.
const (
	maxMetadataPairs = 16
	maxMetadataKey   = 64
	maxMetadataValue = 512
)

func checkMetadata(md map[string]string) error {
	if len(md) > maxMetadataPairs {
		return router.Errorf(router.EBadRequest, "metadata has %d pairs; at most %d are accepted", len(md), maxMetadataPairs)
	}
	for k, v := range md {
		if n := utf8.RuneCountInString(k); n > maxMetadataKey {
			return router.Errorf(router.EBadRequest, "metadata key %q has %d characters; at most %d are accepted", router.Excerpt(k), n, maxMetadataKey)
		}
		if n := utf8.RuneCountInString(v); n > maxMetadataValue {
			return router.Errorf(router.EBadRequest, "metadata value of %q has %d characters; at most %d are accepted", router.Excerpt(k), n, maxMetadataValue)
		}
	}
	return nil
}

// CreateBatch implements router.BatchService.
func (s *Service) CreateBatch(ctx context.Context, req router.BatchRequest) (router.Batch, error) {
	if !s.cfg.Enabled {
		return router.Batch{}, router.Errorf(router.EBadRequest, "the Batch API needs a pool that runs OpenAI batch lines: deploy with inferenceApi: openai (INFERENCE_API=openai)")
	}
	if !slices.Contains(router.OpenAIEndpoints, req.Endpoint) {
		return router.Batch{}, router.Errorf(router.EBadRequest, "endpoint must be one of %s; got %q", strings.Join(router.OpenAIEndpoints, ", "), router.Excerpt(req.Endpoint))
	}
	window, err := ParseCompletionWindow(req.CompletionWindow)
	if err != nil {
		return router.Batch{}, err
	}
	if err := checkMetadata(req.Metadata); err != nil {
		return router.Batch{}, err
	}
	f, err := s.File(ctx, req.InputFileID)
	if err != nil {
		return router.Batch{}, err
	}
	if f.Purpose != router.PurposeBatch {
		return router.Batch{}, router.Errorf(router.EBadRequest, "input_file_id %s has purpose %q; upload the input with purpose %q", f.ID, f.Purpose, router.PurposeBatch)
	}
	now := s.cfg.Now()
	expires := now.Add(window).Unix()
	rec := record{Batch: router.Batch{
		ID: newBatchID(now), Object: "batch", Endpoint: req.Endpoint, InputFileID: f.ID,
		CompletionWindow: req.CompletionWindow, Status: router.BatchValidating,
		CreatedAt: now.Unix(), ExpiresAt: &expires, Metadata: req.Metadata,
	}}
	// The active marker first: a record without one would never run, a
	// marker without a record is skipped.
	if err := s.cfg.Blobs.Put(ctx, s.cfg.Container, activeName(rec.ID), nil); err != nil {
		return router.Batch{}, fmt.Errorf("store batch %s: %w", rec.ID, err)
	}
	if err := s.putJSON(ctx, recordName(rec.ID), rec); err != nil {
		return router.Batch{}, fmt.Errorf("store batch %s: %w", rec.ID, err)
	}
	s.wakeManager()
	return rec.Batch, nil
}

// Batch implements router.BatchService.
func (s *Service) Batch(ctx context.Context, id string) (router.Batch, error) {
	rec, err := s.record(ctx, id)
	if err != nil {
		return router.Batch{}, err
	}
	return s.view(ctx, rec)
}

// view shows a record as users see it: a cancel asked for but not yet
// taken up by the manager already reads as cancelling.
func (s *Service) view(ctx context.Context, rec record) (router.Batch, error) {
	b := rec.Batch
	if b.Status.Terminal() || b.Status == router.BatchCancelling || b.Status == router.BatchFinalizing {
		return b, nil
	}
	asked, err := s.cancelAsked(ctx, b.ID)
	if err != nil {
		return b, err
	}
	if asked {
		b.Status = router.BatchCancelling
	}
	return b, nil
}

// ListBatches implements router.BatchService.
func (s *Service) ListBatches(ctx context.Context, after string, limit int) (router.BatchPage, error) {
	page := router.BatchPage{Object: "list", Data: []router.Batch{}}
	if after != "" && !validBatchID(after) {
		return page, router.Errorf(router.EBadRequest, "after must be a batch id, got %q", router.Excerpt(after))
	}
	entries, err := s.cfg.Blobs.List(ctx, s.cfg.Container, batchesPrefix)
	if err != nil {
		return page, err
	}
	var ids []string
	for _, e := range entries {
		id, ok := strings.CutSuffix(strings.TrimPrefix(e.Name, batchesPrefix), ".json")
		if ok && validBatchID(id) && id > after {
			ids = append(ids, id)
		}
	}
	if len(ids) > limit {
		ids, page.HasMore = ids[:limit], true
	}
	for _, id := range ids {
		b, err := s.Batch(ctx, id)
		if err != nil {
			return page, err
		}
		page.Data = append(page.Data, b)
	}
	if len(page.Data) > 0 {
		first, last := page.Data[0].ID, page.Data[len(page.Data)-1].ID
		page.FirstID, page.LastID = &first, &last
	}
	return page, nil
}

// CancelBatch implements router.BatchService. The cancel is stored as its
// own blob, never in the record another replica may hold the lease of; the
// manager stops queueing the batch's chunks, and the dispatcher runs none
// of them from then on.
func (s *Service) CancelBatch(ctx context.Context, id string) (router.Batch, error) {
	rec, err := s.record(ctx, id)
	if err != nil {
		return router.Batch{}, err
	}
	if rec.Status.Terminal() {
		return rec.Batch, nil
	}
	if err := s.cfg.Blobs.Put(ctx, s.cfg.Container, cancelName(id), nil); err != nil {
		return router.Batch{}, fmt.Errorf("cancel batch %s: %w", id, err)
	}
	s.notify(id)
	b := rec.Batch
	if b.Status != router.BatchCancelling && b.Status != router.BatchFinalizing {
		b.Status = router.BatchCancelling
		b.CancellingAt = unix(s.cfg.Now())
	}
	return b, nil
}
