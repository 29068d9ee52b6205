package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// A chunk of a Batch API batch (router.ChunkRef) is a micro-batch already:
// its lines are stored once, in the pool's input format, and the run reads
// that blob as it is. If the batch command fails on it, its lines are run
// again in halves, down to single lines, so that a line that crashes the
// model fails alone. The outcome goes to the Batch API (Config.Chunks),
// which stores it once, before the message is deleted: a chunk whose
// message is delivered twice is run twice at worst, never counted twice.

// runChunk runs one chunk's message to its end: skipped (already done,
// cancelled, expired) or run, its outcome stored, the message deleted.
// Anything else gives the message back to the queue.
func (d *Dispatcher) runChunk(ctx context.Context, w *work) error {
	c := *w.item.Chunk
	skip, err := d.cfg.Chunks.Skip(ctx, c)
	if err != nil {
		d.settle(ctx, w, false)
		return fmt.Errorf("chunk %d of %s: %w", c.Index, c.Batch, err)
	}
	if skip {
		d.settle(ctx, w, true)
		return nil
	}
	d.cfg.Log.Info("chunk run started", "batch", c.Batch, "chunk", c.Index)
	o := router.ChunkOutcome{Results: map[string]router.ResultLine{}, Failed: map[string]router.LineFailure{}}
	if err := d.runLines(ctx, c, nil, &o); err != nil {
		d.settle(ctx, w, false)
		if ctx.Err() != nil {
			return nil // stopping: the next dispatcher takes the chunk up
		}
		return err
	}
	if err := d.cfg.Chunks.Finish(ctx, c, o); err != nil {
		d.settle(ctx, w, false)
		return err
	}
	if now := d.now(); !w.item.Enqueued.IsZero() {
		d.revision(w).Tracker.ObserveBatch(now, now.Sub(w.item.Enqueued))
	}
	d.settle(ctx, w, true)
	d.cfg.Log.Info("chunk run finished", "batch", c.Batch, "chunk", c.Index, "answered", len(o.Results), "failed_alone", len(o.Failed))
	return nil
}

// runLines runs lines of chunk c (all of them, from its blob, when nil)
// into o; when the command fails, each half again, down to single lines.
func (d *Dispatcher) runLines(ctx context.Context, c router.ChunkRef, lines [][]byte, o *router.ChunkOutcome) error {
	runID := newRunID()
	input := c.Blob
	if lines != nil {
		input = inputBlob(runID)
		if err := d.cfg.Payloads.Put(ctx, d.cfg.RequestContainer, input, bytes.Join(lines, nil)); err != nil {
			return fmt.Errorf("write batch input: %w", err)
		}
	}
	m := d.cfg.Models.For(c.Model)
	results, err := d.execute(ctx, m, m.Stable(), runID, input)
	var cf *commandFailed
	switch {
	case err == nil:
		for id, r := range results {
			o.Results[id] = r
		}
		return nil
	case ctx.Err() != nil || !errors.As(err, &cf):
		return err
	case lines == nil:
		b, err := d.cfg.Payloads.Get(ctx, d.cfg.RequestContainer, c.Blob)
		if err != nil {
			return fmt.Errorf("read chunk %s: %w", c.Blob, err)
		}
		lines = splitLines(b)
		if len(lines) > 1 {
			d.cfg.Log.Warn("batch command failed on a chunk; running each half again", "batch", c.Batch, "chunk", c.Index, "err", err)
			return d.runHalves(ctx, c, lines, o)
		}
	case len(lines) > 1:
		return d.runHalves(ctx, c, lines, o)
	}
	// One line, and the command fails on it alone.
	var l struct {
		CustomID string `json:"custom_id"`
	}
	_ = json.Unmarshal(lines[0], &l)
	o.Failed[l.CustomID] = router.LineFailure{Code: router.LineJobFailed, Message: "the batch command failed on this request alone: " + router.ErrorMessage(cf.err)}
	d.count("line_failed_alone")
	d.cfg.Log.Warn("batch command failed on one request alone", "batch", c.Batch, "chunk", c.Index, "custom_id", l.CustomID, "err", cf.err)
	return nil
}

func (d *Dispatcher) runHalves(ctx context.Context, c router.ChunkRef, lines [][]byte, o *router.ChunkOutcome) error {
	half := len(lines) / 2
	if err := d.runLines(ctx, c, lines[:half], o); err != nil {
		return err
	}
	return d.runLines(ctx, c, lines[half:], o)
}

// splitLines cuts a chunk into its lines, each with its newline.
func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			i = len(b) - 1
		}
		if line := b[:i+1]; len(bytes.TrimSpace(line)) > 0 {
			if line[len(line)-1] != '\n' {
				line = append(bytes.Clone(line), '\n')
			}
			out = append(out, line)
		}
		b = b[i+1:]
	}
	return out
}
