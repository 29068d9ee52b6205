package batchapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The files API: uploads streamed into storage, file objects, listing and
// deletion. A file's bytes are stored before its object, and its object
// before its id is given out.

// maxFilename bounds a stored file name (OpenAI's clients send the local
// file's name).
const maxFilename = 255

// UploadFile implements router.BatchService: the bytes go to storage as
// they arrive, counted on the way, and the upload is abandoned (nothing
// stored) as soon as the file is over the size or line limit.
func (s *Service) UploadFile(ctx context.Context, filename string, data io.Reader, purpose func() (string, error)) (router.File, error) {
	if r := []rune(filename); len(r) > maxFilename {
		filename = string(r[:maxFilename])
	}
	now := s.cfg.Now()
	f := router.File{ID: newFileID(now), Object: "file", CreatedAt: now.Unix(), Filename: filename,
		Purpose: router.PurposeBatch, Status: "processed"}
	lc := &lineCounter{r: data, maxBytes: s.cfg.MaxFileBytes, maxLines: s.cfg.MaxLines}
	n, err := s.cfg.Blobs.Upload(ctx, s.cfg.Container, fileDataName(f.ID), lc)
	if err != nil {
		return router.File{}, err
	}
	p, err := purpose()
	if err == nil {
		err = router.CheckPurpose(p)
	}
	if err == nil && lc.lines == 0 {
		err = router.Errorf(router.EBadRequest, "the file has no lines; a batch input is JSON lines, one request per line")
	}
	if err != nil {
		_ = s.cfg.Blobs.Delete(context.WithoutCancel(ctx), s.cfg.Container, fileDataName(f.ID))
		return router.File{}, err
	}
	f.Bytes = n
	if err := s.putJSON(ctx, fileObjectName(f.ID), f); err != nil {
		return router.File{}, fmt.Errorf("store file object %s: %w", f.ID, err)
	}
	return f, nil
}

// lineCounter passes a file through, counting its bytes and non-blank
// lines, and fails the read that goes over either limit.
type lineCounter struct {
	r        io.Reader
	maxBytes int64
	maxLines int
	bytes    int64
	lines    int
	content  bool // the line being read has a non-blank byte
	limitErr error
}

func (c *lineCounter) Read(p []byte) (int, error) {
	if c.limitErr != nil {
		return 0, c.limitErr
	}
	n, err := c.r.Read(p)
	c.bytes += int64(n)
	if c.bytes > c.maxBytes {
		c.limitErr = router.Errorf(router.EPayloadTooLarge, "the file has more than %d bytes, the most a batch input may have", c.maxBytes)
		return 0, c.limitErr
	}
	for _, b := range p[:n] {
		switch {
		case b == '\n':
			if c.content {
				c.lines++
			}
			c.content = false
		case !c.content && b != ' ' && b != '\t' && b != '\r':
			c.content = true
		}
	}
	if err == io.EOF && c.content {
		c.lines++
		c.content = false
	}
	if c.lines > c.maxLines {
		c.limitErr = router.Errorf(router.EBadRequest, "the file has more than %d lines, the most a batch may have", c.maxLines)
		return 0, c.limitErr
	}
	return n, err
}

// File implements router.BatchService.
func (s *Service) File(ctx context.Context, id string) (router.File, error) {
	var f router.File
	if !validFileID(id) {
		return f, router.Errorf(router.ENotFound, "no file %q", router.Excerpt(id))
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
func (s *Service) FileContent(ctx context.Context, id string) (router.File, io.ReadCloser, error) {
	f, err := s.File(ctx, id)
	if err != nil {
		return f, nil, err
	}
	rc, err := s.cfg.Blobs.Open(ctx, s.cfg.Container, fileDataName(id), 0, -1)
	if router.ErrorCode(err) == router.ENotFound {
		return f, nil, router.Errorf(router.ENotFound, "no file %q", id) // deleted meanwhile
	}
	return f, rc, err
}

// ListFiles implements router.BatchService. File ids sort newest first, so
// the listing is read in id order and only the objects of the page are read.
func (s *Service) ListFiles(ctx context.Context, q router.FileQuery) (router.FilePage, error) {
	page := router.FilePage{Object: "list", Data: []router.File{}}
	if q.After != "" && !validFileID(q.After) {
		return page, router.Errorf(router.EBadRequest, "after must be a file id, got %q", router.Excerpt(q.After))
	}
	if q.Limit < 1 {
		return page, router.Errorf(router.EBadRequest, "limit must be at least 1, got %d", q.Limit)
	}
	entries, err := s.cfg.Blobs.List(ctx, s.cfg.Container, filesPrefix)
	if err != nil {
		return page, err
	}
	var ids []string
	for _, e := range entries {
		id, ok := strings.CutSuffix(strings.TrimPrefix(e.Name, filesPrefix), ".json")
		if ok && validFileID(id) {
			ids = append(ids, id)
		}
	}
	if q.Ascending {
		slices.Reverse(ids)
	}
	if q.After != "" {
		i := 0
		for i < len(ids) && (q.Ascending && ids[i] >= q.After || !q.Ascending && ids[i] <= q.After) {
			i++
		}
		ids = ids[i:]
	}
	// Read objects a batch at a time until the page (and one more, for
	// has_more) is full: with a purpose, some are skipped.
	const parallel = 32
	for len(ids) > 0 && len(page.Data) <= q.Limit {
		batch := ids[:min(parallel, len(ids))]
		ids = ids[len(batch):]
		files, err := s.readFiles(ctx, batch)
		if err != nil {
			return page, err
		}
		for _, f := range files {
			if f != nil && (q.Purpose == "" || f.Purpose == q.Purpose) {
				page.Data = append(page.Data, *f)
			}
		}
	}
	if len(page.Data) > q.Limit {
		page.Data, page.HasMore = page.Data[:q.Limit], true
	}
	if len(page.Data) > 0 {
		first, last := page.Data[0].ID, page.Data[len(page.Data)-1].ID
		page.FirstID, page.LastID = &first, &last
	}
	return page, nil
}

// readFiles reads file objects at once; a file deleted meanwhile is nil.
func (s *Service) readFiles(ctx context.Context, ids []string) ([]*router.File, error) {
	out := make([]*router.File, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			f, err := s.File(ctx, id)
			if err == nil {
				out[i] = &f
			} else if router.ErrorCode(err) != router.ENotFound {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// DeleteFile implements router.BatchService: the object goes first, so the
// id stops naming a file at once; then the bytes. A batch already past
// validation keeps running: its chunks are its own copy.
func (s *Service) DeleteFile(ctx context.Context, id string) (router.FileDeleted, error) {
	if _, err := s.File(ctx, id); err != nil {
		return router.FileDeleted{}, err
	}
	for _, name := range []string{fileObjectName(id), fileDataName(id)} {
		if err := s.cfg.Blobs.Delete(ctx, s.cfg.Container, name); err != nil {
			return router.FileDeleted{}, fmt.Errorf("delete file %s: %w", id, err)
		}
	}
	return router.FileDeleted{ID: id, Object: "file", Deleted: true}, nil
}
