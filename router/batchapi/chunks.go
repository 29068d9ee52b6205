package batchapi

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The dispatcher's side of a chunk (router.Chunks): whether it may still
// run, and its outcome, stored once as the chunk's result: the output lines
// first, then the error lines, with their counts and the split in metadata.

// Skip implements router.Chunks.
func (s *Service) Skip(ctx context.Context, c router.ChunkRef) (bool, error) {
	if !validBatchID(c.Batch) || c.Blob != chunkName(c.Batch, c.Index) {
		return true, nil // not a chunk this service wrote: nothing to run
	}
	done, err := s.hasResult(ctx, c)
	if err != nil || done {
		return done, err
	}
	var why *router.LineFailure
	if c.ExpiresAt > 0 && s.cfg.Now().Unix() >= c.ExpiresAt {
		why = &router.LineFailure{Code: router.LineExpired, Message: "the batch's completion window ended before this request ran"}
	} else if asked, err := s.cancelAsked(ctx, c.Batch); err != nil {
		return false, err
	} else if asked {
		why = &router.LineFailure{Code: router.LineCancelled, Message: "the batch was cancelled before this request ran"}
	}
	if why == nil {
		return false, nil
	}
	return true, s.Finish(ctx, c, router.ChunkOutcome{All: why})
}

func (s *Service) hasResult(ctx context.Context, c router.ChunkRef) (bool, error) {
	entries, err := s.cfg.Blobs.List(ctx, s.cfg.Container, resultName(c.Batch, c.Index))
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if e.Name == resultName(c.Batch, c.Index) {
			return true, nil
		}
	}
	return false, nil
}

// Finish implements router.Chunks: each line of the chunk, in order, gets
// its answer, its failure, or (no line in the command's output) job_failed.
func (s *Service) Finish(ctx context.Context, c router.ChunkRef, o router.ChunkOutcome) error {
	ids, err := s.chunkIDs(ctx, c.Batch, c.Index)
	if err != nil {
		return err
	}
	var out, errs bytes.Buffer
	completed, failed := 0, 0
	for _, id := range ids {
		var line outputLine
		ok := false
		r, answered := o.Results[id]
		f, alone := o.Failed[id]
		switch {
		case o.All != nil:
			line = failedLine(c.Batch, id, *o.All)
		case alone:
			line = failedLine(c.Batch, id, f)
		case answered:
			line, ok = answeredLine(c.Batch, id, r)
		default:
			line = failedLine(c.Batch, id, router.LineFailure{Code: router.LineJobFailed, Message: "the batch command's output has no line for this request"})
		}
		if ok {
			appendLine(&out, line)
			completed++
		} else {
			appendLine(&errs, line)
			failed++
		}
	}
	meta := map[string]string{metaCompleted: strconv.Itoa(completed), metaFailed: strconv.Itoa(failed), metaOutBytes: strconv.Itoa(out.Len())}
	created, err := s.cfg.Blobs.Create(ctx, s.cfg.Container, resultName(c.Batch, c.Index), append(out.Bytes(), errs.Bytes()...), meta)
	if err != nil {
		return fmt.Errorf("store result of chunk %d of %s: %w", c.Index, c.Batch, err)
	}
	if !created {
		s.cfg.Log.Info("batch api: chunk already had a result; this run's is dropped", "batch", c.Batch, "chunk", c.Index)
	}
	s.notify(c.Batch)
	return nil
}
