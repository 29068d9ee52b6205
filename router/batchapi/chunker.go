package batchapi

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Validation reads the input file once, streaming: every line is checked,
// and while all are valid so far, stored in chunks as they fill. Progress
// (request_counts.total, the lines checked) is stored about every second,
// and a cancel is looked for as often and every checkEvery chunks, stopping
// the pass at once.

// maxBatchErrors bounds the errors a failed batch lists; one more says how
// many lines were invalid in all.
const maxBatchErrors = 100

// progressEvery is how often validation stores its progress and looks for
// a cancel; checkEvery is how many chunks it stores between two looks.
const (
	progressEvery = time.Second
	checkEvery    = 64
)

// chunkWrites is how many chunk blobs are written at once.
const chunkWrites = 8

// errStopped ends a validation that a cancel stopped.
var errStopped = errors.New("cancelled during validation")

// validate takes a validating batch to in_progress (Chunks set), failed or
// cancelled, and stores it.
func (s *Service) validate(ctx context.Context, l *lease, rec *record) error {
	now := s.cfg.Now()
	v, err := s.scan(ctx, l, rec)
	switch {
	case errors.Is(err, errStopped):
		rec.Status, rec.CancellingAt, rec.CancelledAt = router.BatchCancelled, unix(now), unix(s.cfg.Now())
		rec.RequestCounts = router.RequestCounts{}
	case router.ErrorCode(err) == router.ENotFound:
		param := "input_file_id"
		v.fail(batchError(CodeInvalidRequest, &param, nil, "the input file %s was deleted before the batch was validated", rec.InputFileID))
	case err != nil:
		return err
	}
	switch {
	case rec.Status.Terminal():
	case v.invalid == 0 && v.lines == 0:
		v.fail(batchError(CodeInvalidRequest, nil, nil, "the input file has no request lines"))
		fallthrough
	case v.invalid > 0:
		if v.invalid > len(v.errs) {
			v.errs = append(v.errs, batchError(CodeTooManyErrors, nil, nil, "%d lines are invalid in all; the first %d are listed", v.invalid, len(v.errs)))
		}
		rec.Status, rec.FailedAt = router.BatchFailed, unix(s.cfg.Now())
		rec.Errors = &router.BatchErrors{Object: "list", Data: v.errs}
		rec.RequestCounts = router.RequestCounts{}
	default:
		rec.Status, rec.InProgressAt, rec.Chunks, rec.ChunkModels = router.BatchInProgress, unix(s.cfg.Now()), len(v.chunks), v.chunks
		rec.RequestCounts = router.RequestCounts{Total: v.lines}
	}
	s.cfg.Log.Info("batch api: batch validated", "batch", rec.ID, "status", rec.Status, "lines", v.lines, "invalid", v.invalid, "chunks", v.chunks)
	return s.save(ctx, l, *rec)
}

// validation is what the pass found: chunks holds the model key of each
// chunk stored.
type validation struct {
	lines, invalid int
	chunks         []string
	errs           []router.BatchError
}

func (v *validation) fail(e router.BatchError) {
	v.invalid++
	if len(v.errs) < maxBatchErrors {
		v.errs = append(v.errs, e)
	}
}

func batchError(code string, param *string, line *int, format string, args ...any) router.BatchError {
	return router.BatchError{Code: code, Param: param, Line: line, Message: fmt.Sprintf(format, args...)}
}

// scan reads and checks every line, storing valid ones in chunks while no
// line has failed.
func (s *Service) scan(ctx context.Context, l *lease, rec *record) (validation, error) {
	var v validation
	if asked, err := s.cancelAsked(ctx, rec.ID); err != nil || asked {
		return v, cmp.Or(err, errStopped)
	}
	rc, err := s.cfg.Blobs.Open(ctx, s.cfg.Container, fileDataName(rec.InputFileID), 0, -1)
	if err != nil {
		return v, err
	}
	defer rc.Close()
	ck := s.newChunker(ctx, rec.ID)
	defer ck.wait()
	sc := newLineScanner(rc, s.cfg.MaxLineBytes)
	seen := map[[16]byte]int{} // custom_id's hash → its line
	next, nextChunks := time.Now().Add(progressEvery), checkEvery
	for {
		raw, tooLong, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return v, fmt.Errorf("read input file %s: %w", rec.InputFileID, err)
		}
		if len(bytes.TrimSpace(raw)) == 0 && !tooLong {
			continue
		}
		line := sc.line
		var id, model string
		var le *lineError
		if tooLong {
			id = customIDOf(raw)
			le = lineErr(CodeLineTooLarge, "", "the line has more than %d bytes, the most one request may have", s.cfg.MaxLineBytes)
			if id != "" {
				le.Message = fmt.Sprintf("the request with custom_id %q has more than %d bytes, the most one request may have", router.Excerpt(id), s.cfg.MaxLineBytes)
			}
		} else {
			id, model, raw, le = s.checkLine(raw, rec.Endpoint)
		}
		if id != "" {
			h := sha256.Sum256([]byte(id))
			k := [16]byte(h[:16])
			if first, dup := seen[k]; dup && le == nil {
				le = lineErr(CodeDuplicateCustomID, "custom_id", "custom_id %q is already used by line %d; each request of a batch needs its own", router.Excerpt(id), first)
			} else if !dup {
				seen[k] = line
			}
		}
		if le != nil {
			var param *string
			if le.Param != "" {
				param = &le.Param
			}
			v.fail(batchError(le.Code, param, &line, "line %d: %s", line, le.Message))
		} else {
			v.lines++
			if v.invalid == 0 {
				if err := ck.add(model, bytes.TrimSpace(raw)); err != nil {
					return v, err
				}
			}
		}
		if v.lines+v.invalid > s.cfg.MaxLines {
			v.fail(batchError(CodeInvalidRequest, nil, nil, "the input file has more than %d requests, the most a batch may have", s.cfg.MaxLines))
			return v, nil
		}
		if time.Now().After(next) || len(ck.models) >= nextChunks {
			next, nextChunks = time.Now().Add(progressEvery), len(ck.models)+checkEvery
			if err := s.checkpoint(ctx, l, rec, v.lines); err != nil {
				return v, err
			}
		}
	}
	if v.invalid > 0 {
		return v, nil
	}
	if err := ck.close(); err != nil {
		return v, err
	}
	v.chunks = ck.models
	return v, nil
}

// checkpoint stores the lines checked so far and stops a cancelled pass.
func (s *Service) checkpoint(ctx context.Context, l *lease, rec *record, lines int) error {
	asked, err := s.cancelAsked(ctx, rec.ID)
	if err != nil {
		return err
	}
	if asked {
		return errStopped
	}
	rec.RequestCounts.Total = lines
	return s.save(ctx, l, *rec)
}

// chunker stores valid lines in chunks of one model's lines, at most
// ChunkLines lines and ChunkBytes bytes (a longer line fills a chunk
// alone), chunkWrites at once: a chunk is one micro-batch, run by its
// model's image on its model's pool. A line goes to its chunk as the
// client wrote it, the pool's input as it is: OpenAI batch runners read
// custom_id, method, url and body, and vLLM's run-batch accepts other
// fields too (its request models allow extra fields:
// vllm/entrypoints/openai/protocol.py, OpenAIBaseModel).
type chunker struct {
	s      *Service
	ctx    context.Context
	batch  string
	open   map[string]*openChunk // model key → the chunk filling
	order  []string              // model keys in the order first seen
	models []string              // model key of each chunk handed to a writer
	sem    chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
}

// openChunk is a model's chunk being filled.
type openChunk struct {
	buf   bytes.Buffer
	lines int
}

func (s *Service) newChunker(ctx context.Context, batchID string) *chunker {
	return &chunker{s: s, ctx: ctx, batch: batchID, open: map[string]*openChunk{}, sem: make(chan struct{}, chunkWrites)}
}

func (c *chunker) add(model string, b []byte) error {
	o := c.open[model]
	if o == nil {
		o = &openChunk{}
		c.open[model] = o
		c.order = append(c.order, model)
	}
	if o.lines > 0 && o.buf.Len()+len(b)+1 > c.s.cfg.ChunkBytes {
		if err := c.flush(model, o); err != nil {
			return err
		}
	}
	o.buf.Write(b)
	o.buf.WriteByte('\n')
	o.lines++
	if o.lines == c.s.cfg.ChunkLines {
		return c.flush(model, o)
	}
	return nil
}

func (c *chunker) flush(model string, o *openChunk) error {
	data := bytes.Clone(o.buf.Bytes())
	o.buf.Reset()
	o.lines = 0
	name := chunkName(c.batch, len(c.models))
	c.models = append(c.models, model)
	c.sem <- struct{}{}
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	if err != nil {
		<-c.sem
		return err
	}
	c.wg.Go(func() {
		defer func() { <-c.sem }()
		if err := c.s.cfg.Blobs.Put(c.ctx, c.s.cfg.Container, name, data); err != nil {
			c.mu.Lock()
			c.err = errors.Join(c.err, fmt.Errorf("store %s: %w", name, err))
			c.mu.Unlock()
		}
	})
	return nil
}

// close stores each model's last chunk and waits for every write.
func (c *chunker) close() error {
	for _, model := range c.order {
		if o := c.open[model]; o.lines > 0 {
			if err := c.flush(model, o); err != nil {
				return err
			}
		}
	}
	c.wait()
	return c.err
}

func (c *chunker) wait() { c.wg.Wait() }
