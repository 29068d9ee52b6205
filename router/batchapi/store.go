package batchapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Where the Batch API keeps its records, in the request container:
//
//	openai/files/<file id>.json          the file object
//	openai/files/<file id>.data          the file's bytes
//	openai/batches/<batch id>.json       the batch record (object + progress)
//	openai/batches/<batch id>.lines      the queued lines: custom_id → job id
//	openai/batches/<batch id>.invalid    error-file lines of invalid input lines
//	openai/batches/<batch id>.cancel     present once cancel was asked
//	openai/active/<batch id>             present while the batch is not terminal
//
// Batch ids sort newest first (an inverted clock reading leads them), so the
// listing is the order GET /v1/batches pages in.
const (
	filesPrefix   = "openai/files/"
	batchesPrefix = "openai/batches/"
	activePrefix  = "openai/active/"
)

// record is a stored batch: the object users see plus what the manager
// needs to resume after a restart.
type record struct {
	router.Batch
	// Queued: every valid line is a job and the .lines blob is written.
	Queued bool `json:"gpuorch_queued,omitempty"`
	// Invalid counts the lines that failed validation.
	Invalid int `json:"gpuorch_invalid,omitempty"`
	// Ending is the status finalizing leads to: completed, cancelled or
	// expired.
	Ending router.BatchStatus `json:"gpuorch_ending,omitempty"`
}

// lineRef is one queued line.
type lineRef struct {
	CustomID string `json:"custom_id"`
	JobID    string `json:"job_id"`
}

func fileObjectName(id string) string { return filesPrefix + id + ".json" }
func fileDataName(id string) string   { return filesPrefix + id + ".data" }
func recordName(id string) string     { return batchesPrefix + id + ".json" }
func linesName(id string) string      { return batchesPrefix + id + ".lines" }
func invalidName(id string) string    { return batchesPrefix + id + ".invalid" }
func cancelName(id string) string     { return batchesPrefix + id + ".cancel" }
func activeName(id string) string     { return activePrefix + id }

// newFileID returns a random file id.
func newFileID() string { return "file-" + randomHex(12) }

// derivedFileID names a file a batch writes, the same on every attempt, so
// a finalisation redone after a restart overwrites instead of duplicating.
func derivedFileID(batchID, kind string) string {
	h := sha256.Sum256([]byte(batchID + "/" + kind))
	return "file-" + hex.EncodeToString(h[:12])
}

// newBatchID returns an id that sorts before every earlier one.
func newBatchID(now time.Time) string {
	return fmt.Sprintf("batch_%016x%s", uint64(math.MaxInt64-now.UnixNano()), randomHex(4))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// validID reports whether id is prefix followed by n lowercase hex digits:
// nothing else may reach a blob name.
func validID(id, prefix string, n int) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) != n {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func validFileID(id string) bool  { return validID(id, "file-", 24) }
func validBatchID(id string) bool { return validID(id, "batch_", 24) }

func (s *Service) getJSON(ctx context.Context, name string, v any) error {
	b, err := s.cfg.Blobs.Get(ctx, s.cfg.Container, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return router.WrapError(router.EInternal, "a stored record is unreadable", fmt.Errorf("%s: %w", name, err))
	}
	return nil
}

func (s *Service) putJSON(ctx context.Context, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	return s.cfg.Blobs.Put(ctx, s.cfg.Container, name, b)
}

func (s *Service) record(ctx context.Context, id string) (record, error) {
	var r record
	if !validBatchID(id) {
		return r, router.Errorf(router.ENotFound, "no batch %q", truncate(id))
	}
	if err := s.getJSON(ctx, recordName(id), &r); err != nil {
		if router.ErrorCode(err) == router.ENotFound {
			return r, router.Errorf(router.ENotFound, "no batch %q", id)
		}
		return r, err
	}
	return r, nil
}

// cancelAsked reports whether cancel was asked for the batch.
func (s *Service) cancelAsked(ctx context.Context, id string) (bool, error) {
	_, err := s.cfg.Blobs.Get(ctx, s.cfg.Container, cancelName(id))
	switch router.ErrorCode(err) {
	case "":
		return true, nil
	case router.ENotFound:
		return false, nil
	}
	return false, err
}

// storeFile writes a file's bytes, then its object: an id is only ever
// given out for a file whose bytes are stored.
func (s *Service) storeFile(ctx context.Context, f router.File, data []byte) error {
	if err := s.cfg.Blobs.Put(ctx, s.cfg.Container, fileDataName(f.ID), data); err != nil {
		return fmt.Errorf("store file %s: %w", f.ID, err)
	}
	if err := s.putJSON(ctx, fileObjectName(f.ID), f); err != nil {
		return fmt.Errorf("store file object %s: %w", f.ID, err)
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
