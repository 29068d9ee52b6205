// Package batchapi is the OpenAI Batch API over the router's durable jobs:
// an uploaded JSON-lines file becomes a batch whose valid lines are queued
// as jobs on the work queue, run on the Spot pool by the dispatcher like any
// batch job, and gathered into OpenAI's output and error files. The batch
// record is stored before its id is answered; the Manager (manager.go)
// carries every batch forward from what is stored, so a router that stops
// at any point resumes where it was, and no line is lost or queued twice.
package batchapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Config wires a Service.
type Config struct {
	// Jobs queues a batch's lines; Store reads their records and marks
	// cancelled or expired ones.
	Jobs  router.JobService
	Store router.JobStore
	// Blobs keeps files and batch records in Container.
	Blobs     router.ListingStore
	Container string
	// Enabled is false unless the pool's batch command reads OpenAI batch
	// lines (INFERENCE_API=openai); CreateBatch refuses otherwise.
	Enabled bool
	// Model returns the deployed model's name; lines naming another model
	// go to the error file.
	Model func() string
	// MaxFileBytes bounds an uploaded file (default 100 MiB); MaxLines its
	// lines (default 50,000, OpenAI's limit); MaxLineBytes one request
	// (default 1 MiB).
	MaxFileBytes int64
	MaxLines     int
	MaxLineBytes int
	// Poll is how often the manager looks at active batches (default 2 s);
	// PollLines bounds the job records it reads per batch per look
	// (default 256), oldest pending line first.
	Poll      time.Duration
	PollLines int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
}

// Service implements router.BatchService and runs the batches (Run).
type Service struct {
	cfg      Config
	progress map[string]*progress // by batch id; only the manager goroutine
}

var _ router.BatchService = (*Service)(nil)

// New returns a service with defaults filled in.
func New(cfg Config) *Service {
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = 100 << 20
	}
	if cfg.MaxLines <= 0 {
		cfg.MaxLines = 50_000
	}
	if cfg.MaxLineBytes <= 0 {
		cfg.MaxLineBytes = 1 << 20
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.PollLines <= 0 {
		cfg.PollLines = 256
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Model == nil {
		cfg.Model = func() string { return "" }
	}
	return &Service{cfg: cfg, progress: map[string]*progress{}}
}

// MaxFileBytes implements router.BatchService.
func (s *Service) MaxFileBytes() int64 { return s.cfg.MaxFileBytes }

// UploadFile implements router.BatchService.
func (s *Service) UploadFile(ctx context.Context, filename, purpose string, data []byte) (router.File, error) {
	if purpose != router.PurposeBatch {
		return router.File{}, router.Errorf(router.EBadRequest, "purpose must be %q (the only one this router serves), got %q", router.PurposeBatch, truncate(purpose))
	}
	if int64(len(data)) > s.cfg.MaxFileBytes {
		return router.File{}, router.Errorf(router.EPayloadTooLarge, "the file has %d bytes; at most %d are accepted", len(data), s.cfg.MaxFileBytes)
	}
	n := countLines(data)
	if n == 0 {
		return router.File{}, router.Errorf(router.EBadRequest, "the file has no lines; a batch input is JSON lines, one request per line")
	}
	if n > s.cfg.MaxLines {
		return router.File{}, router.Errorf(router.EBadRequest, "the file has %d lines; at most %d are accepted per batch", n, s.cfg.MaxLines)
	}
	if len(filename) > 255 {
		filename = filename[:255]
	}
	f := router.File{ID: newFileID(), Object: "file", Bytes: int64(len(data)), CreatedAt: s.cfg.Now().Unix(),
		Filename: filename, Purpose: router.PurposeBatch, Status: "processed"}
	if err := s.storeFile(ctx, f, data); err != nil {
		return router.File{}, err
	}
	return f, nil
}

// countLines counts the non-blank lines.
func countLines(data []byte) int {
	n := 0
	for line := range bytes.Lines(data) {
		if len(bytes.TrimSpace(line)) > 0 {
			n++
		}
	}
	return n
}

// File implements router.BatchService.
func (s *Service) File(ctx context.Context, id string) (router.File, error) {
	var f router.File
	if !validFileID(id) {
		return f, router.Errorf(router.ENotFound, "no file %q", truncate(id))
	}
	if err := s.getJSON(ctx, fileObjectName(id), &f); err != nil {
		if router.ErrorCode(err) == router.ENotFound {
			return f, router.Errorf(router.ENotFound, "no file %q", id)
		}
		return f, err
	}
	return f, nil
}

// FileContent implements router.BatchService.
func (s *Service) FileContent(ctx context.Context, id string) ([]byte, error) {
	if _, err := s.File(ctx, id); err != nil {
		return nil, err
	}
	return s.cfg.Blobs.Get(ctx, s.cfg.Container, fileDataName(id))
}

// MaxCompletionWindow bounds completion_window.
const MaxCompletionWindow = 7 * 24 * time.Hour

// ParseCompletionWindow reads a completion window: whole hours such as
// "24h" (OpenAI's only value), from 1h to 168h.
func ParseCompletionWindow(s string) (time.Duration, error) {
	h, ok := strings.CutSuffix(s, "h")
	n, err := strconv.Atoi(h)
	if !ok || err != nil || n < 1 || time.Duration(n)*time.Hour > MaxCompletionWindow {
		return 0, router.Errorf(router.EBadRequest, "completion_window must be whole hours from 1h to 168h, such as \"24h\"; got %q", truncate(s))
	}
	return time.Duration(n) * time.Hour, nil
}

// Metadata limits, as OpenAI's.
const (
	maxMetadataPairs = 16
	maxMetadataKey   = 64
	maxMetadataValue = 512
)

// CreateBatch implements router.BatchService.
func (s *Service) CreateBatch(ctx context.Context, req router.BatchRequest) (router.Batch, error) {
	if !s.cfg.Enabled {
		return router.Batch{}, router.Errorf(router.EBadRequest, "the Batch API needs a pool that runs OpenAI batch lines: deploy with inferenceApi: openai (INFERENCE_API=openai)")
	}
	if !slices.Contains(router.OpenAIEndpoints, req.Endpoint) {
		return router.Batch{}, router.Errorf(router.EBadRequest, "endpoint must be one of %s; got %q", strings.Join(router.OpenAIEndpoints, ", "), truncate(req.Endpoint))
	}
	window, err := ParseCompletionWindow(req.CompletionWindow)
	if err != nil {
		return router.Batch{}, err
	}
	if len(req.Metadata) > maxMetadataPairs {
		return router.Batch{}, router.Errorf(router.EBadRequest, "metadata may have at most %d pairs", maxMetadataPairs)
	}
	for k, v := range req.Metadata {
		if len(k) > maxMetadataKey || len(v) > maxMetadataValue {
			return router.Batch{}, router.Errorf(router.EBadRequest, "metadata keys may have at most %d characters and values %d", maxMetadataKey, maxMetadataValue)
		}
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
	if b.Status.Terminal() || b.Status == router.BatchCancelling {
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
		return page, router.Errorf(router.EBadRequest, "after must be a batch id, got %q", truncate(after))
	}
	names, err := s.cfg.Blobs.List(ctx, s.cfg.Container, batchesPrefix)
	if err != nil {
		return page, err
	}
	var ids []string
	for _, n := range names {
		id, ok := strings.CutSuffix(strings.TrimPrefix(n, batchesPrefix), ".json")
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
// own blob, so it is never lost to a record the manager writes meanwhile.
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
	b := rec.Batch
	if b.Status != router.BatchCancelling {
		b.Status = router.BatchCancelling
		now := s.cfg.Now().Unix()
		b.CancellingAt = &now
	}
	return b, nil
}
