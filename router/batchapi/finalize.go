package batchapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// finalize ends a batch: it stores the status it ends with (finalizing),
// writes the output and error files from the chunks' results, streaming,
// and then the terminal status. Redone after a stop, it writes the same
// files under the same ids.
func (s *Service) finalize(ctx context.Context, l *lease, rec *record, ending router.BatchStatus) error {
	if rec.Status != router.BatchFinalizing {
		now := s.cfg.Now()
		rec.Ending, rec.Status, rec.FinalizingAt, rec.FinalizingNanos = ending, router.BatchFinalizing, unix(now), now.UnixNano()
		if err := s.save(ctx, l, *rec); err != nil {
			return err
		}
	}
	res, err := s.results(ctx, rec.ID)
	if err != nil {
		return err
	}
	// Chunks without a result never ran: cancelled, or cut by the window.
	unrun := router.LineFailure{Code: router.LineCancelled, Message: "the batch was cancelled before this request ran"}
	if rec.Ending == router.BatchExpired {
		unrun = router.LineFailure{Code: router.LineExpired, Message: "the batch's completion window ended before this request ran"}
	}
	var counts router.RequestCounts
	for _, kind := range []string{"output", "error"} {
		id := derivedFileID(rec.ID, kind, rec.finalizingAt())
		file, lines := s.assemble(ctx, rec, res, kind == "output", unrun)
		n, err := s.cfg.Blobs.Upload(ctx, s.cfg.Container, fileDataName(id), file)
		file.Close() // ends the assembly if the upload stopped first
		if err != nil {
			return fmt.Errorf("write %s file of %s: %w", kind, rec.ID, err)
		}
		if kind == "output" {
			counts.Completed = lines()
		} else {
			counts.Failed = lines()
		}
		if n == 0 {
			if err := s.cfg.Blobs.Delete(ctx, s.cfg.Container, fileDataName(id)); err != nil {
				return err
			}
			continue
		}
		f := router.File{ID: id, Object: "file", Bytes: n, CreatedAt: s.cfg.Now().Unix(),
			Filename: rec.ID + "_" + kind + ".jsonl", Purpose: router.PurposeBatchOutput, Status: "processed"}
		if err := s.putJSON(ctx, fileObjectName(id), f); err != nil {
			return fmt.Errorf("store file object %s: %w", id, err)
		}
		if kind == "output" {
			rec.OutputFileID = &f.ID
		} else {
			rec.ErrorFileID = &f.ID
		}
	}
	counts.Total = counts.Completed + counts.Failed
	now := unix(s.cfg.Now())
	rec.Status, rec.RequestCounts = rec.Ending, counts
	switch rec.Ending {
	case router.BatchCancelled:
		rec.CancelledAt = now
	case router.BatchExpired:
		rec.ExpiredAt = now
	default:
		rec.CompletedAt = now
	}
	if err := s.save(ctx, l, *rec); err != nil {
		return err
	}
	s.cfg.Log.Info("batch api: batch finished", "batch", rec.ID, "status", rec.Status, "completed", counts.Completed, "failed", counts.Failed)
	return s.cfg.Blobs.Delete(ctx, s.cfg.Container, activeName(rec.ID))
}

// assemble streams one of the batch's files: for each chunk in order, the
// output part of its result (output) or its error part (error); a chunk
// without a result adds, to the error file, a line per request ending with
// unrun. lines waits for the assembly to end and returns how many lines it
// wrote.
func (s *Service) assemble(ctx context.Context, rec *record, res map[int]chunkResult, output bool, unrun router.LineFailure) (file io.ReadCloser, lines func() int) {
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var err error
		n := 0
		for c := 0; c < rec.Chunks && err == nil; c++ {
			r, ok := res[c]
			switch {
			case ok && output:
				n += r.completed
				err = s.copyRange(ctx, pw, resultName(rec.ID, c), 0, r.outBytes)
			case ok:
				n += r.failed
				err = s.copyRange(ctx, pw, resultName(rec.ID, c), r.outBytes, r.size-r.outBytes)
			case !output:
				var k int
				k, err = s.writeUnrun(ctx, pw, rec.ID, c, unrun)
				n += k
			}
		}
		pw.CloseWithError(err)
		done <- n
	}()
	return pr, func() int { return <-done }
}

func (s *Service) copyRange(ctx context.Context, w io.Writer, name string, off, n int64) error {
	if n <= 0 {
		return nil
	}
	rc, err := s.cfg.Blobs.Open(ctx, s.cfg.Container, name, off, n)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(w, rc)
	return err
}

// writeUnrun writes an error line for each request of chunk n and returns
// how many.
func (s *Service) writeUnrun(ctx context.Context, w io.Writer, batchID string, n int, why router.LineFailure) (int, error) {
	ids, err := s.chunkIDs(ctx, batchID, n)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(w)
	for _, id := range ids {
		appendLine(bw, failedLine(batchID, id, why))
	}
	return len(ids), bw.Flush()
}

// chunkIDs reads the custom_ids of chunk n's lines, in order.
func (s *Service) chunkIDs(ctx context.Context, batchID string, n int) ([]string, error) {
	rc, err := s.cfg.Blobs.Open(ctx, s.cfg.Container, chunkName(batchID, n), 0, -1)
	if err != nil {
		return nil, fmt.Errorf("read chunk %d of %s: %w", n, batchID, err)
	}
	defer rc.Close()
	var ids []string
	dec := json.NewDecoder(rc)
	for {
		var l struct {
			CustomID string `json:"custom_id"`
		}
		err := dec.Decode(&l)
		if err == io.EOF {
			return ids, nil
		}
		if err != nil {
			return nil, router.WrapError(router.EInternal, "a stored chunk is unreadable", fmt.Errorf("chunk %d of %s: %w", n, batchID, err))
		}
		ids = append(ids, l.CustomID)
	}
}
