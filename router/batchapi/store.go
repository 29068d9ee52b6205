package batchapi

import (
	"context"
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
//	openai/files/<file id>.json             the file object
//	openai/files/<file id>.data             the file's bytes
//	openai/batches/<batch id>.json          the batch record, leased by the
//	                                        replica that advances the batch
//	openai/batches/<batch id>.cancel        present once cancel was asked
//	openai/batches/<batch id>/chunks/<n>    chunk n: the pool's input lines
//	openai/batches/<batch id>/results/<n>   chunk n's output and error lines,
//	                                        created once (resultMeta)
//	openai/active/<batch id>                present while the batch is not
//	                                        terminal
//
// Batch and file ids sort newest first (an inverted clock reading leads
// them), so listings are the order the API pages in.
const (
	filesPrefix   = "openai/files/"
	batchesPrefix = "openai/batches/"
	activePrefix  = "openai/active/"
)

// record is a stored batch: the object users see plus what the manager
// needs to resume after a restart, on any replica.
type record struct {
	router.Batch
	// Chunks is how many chunks validation stored (set on in_progress).
	Chunks int `json:"gpuorch_chunks,omitempty"`
	// ChunkModels are the keys of the models chunks 0 … Chunks-1 run on
	// (a chunk holds one model's lines); a record without them runs every
	// chunk on the first model.
	ChunkModels []string `json:"gpuorch_chunk_models,omitempty"`
	// Enqueued: chunks 0 … Enqueued-1 have had a queue message.
	Enqueued int `json:"gpuorch_enqueued,omitempty"`
	// Ending is the status finalizing leads to: completed, cancelled or
	// expired.
	Ending router.BatchStatus `json:"gpuorch_ending,omitempty"`
	// FinalizingNanos is FinalizingAt to the nanosecond: the files a batch
	// writes are named from it, so that they list before its input file,
	// which may have been uploaded in the same second.
	FinalizingNanos int64 `json:"gpuorch_finalizing_ns,omitempty"`
}

func fileObjectName(id string) string { return filesPrefix + id + ".json" }
func fileDataName(id string) string   { return filesPrefix + id + ".data" }
func recordName(id string) string     { return batchesPrefix + id + ".json" }
func cancelName(id string) string     { return batchesPrefix + id + ".cancel" }
func activeName(id string) string     { return activePrefix + id }
func chunksPrefix(id string) string   { return batchesPrefix + id + "/chunks/" }
func resultsPrefix(id string) string  { return batchesPrefix + id + "/results/" }

// chunkDigits pads chunk numbers so that names sort in chunk order.
const chunkDigits = 6

func chunkName(id string, n int) string {
	return fmt.Sprintf("%s%0*d", chunksPrefix(id), chunkDigits, n)
}
func resultName(id string, n int) string {
	return fmt.Sprintf("%s%0*d", resultsPrefix(id), chunkDigits, n)
}

// newFileID returns a file id that sorts before every earlier one.
func newFileID(now time.Time) string { return "file-" + inverted(now) + router.RandomHex(4) }

// derivedFileID names a file a batch writes, the same on every attempt (at
// is when the batch began finalizing, stored), so a finalisation redone
// after a restart, or by another replica, overwrites instead of duplicating.
func derivedFileID(batchID, kind string, at time.Time) string {
	h := sha256.Sum256([]byte(batchID + "/" + kind))
	return "file-" + inverted(at) + hex.EncodeToString(h[:4])
}

// finalizingAt is when rec began finalizing, as stored: to the second in a
// record an earlier version wrote.
func (rec *record) finalizingAt() time.Time {
	if rec.FinalizingNanos != 0 {
		return time.Unix(0, rec.FinalizingNanos)
	}
	return time.Unix(*rec.FinalizingAt, 0)
}

// newBatchID returns an id that sorts before every earlier one.
func newBatchID(now time.Time) string { return "batch_" + inverted(now) + router.RandomHex(4) }

// inverted is 16 hex digits that decrease as t increases.
func inverted(t time.Time) string {
	return fmt.Sprintf("%016x", uint64(math.MaxInt64-t.UnixNano()))
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
		return r, router.Errorf(router.ENotFound, "no batch %q", router.Excerpt(id))
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
	return s.exists(ctx, cancelName(id))
}

func (s *Service) exists(ctx context.Context, name string) (bool, error) {
	_, err := s.cfg.Blobs.Get(ctx, s.cfg.Container, name)
	switch router.ErrorCode(err) {
	case "":
		return true, nil
	case router.ENotFound:
		return false, nil
	}
	return false, err
}
