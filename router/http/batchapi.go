package http

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The OpenAI Batch API's HTTP side: /v1/files (upload, list, object,
// content, delete) and /v1/batches (create, get, list, cancel).
// router.BatchService does the work; this file decodes requests and encodes
// OpenAI's objects and errors. Request bodies are read as every body is:
// under a deadline scaled to their size and holding one of the body-read
// slots (bodyread.go); an upload streams into storage as it arrives, so a
// file is never held in memory, and at most maxUploads run at once.

// maxBatchRequestBytes bounds POST /v1/batches: it names a file, it is not one.
const maxBatchRequestBytes = 64 << 10

// multipartOverhead is room for the form's boundaries and other fields
// beside the file itself.
const multipartOverhead = 64 << 10

// maxUploads is how many uploads one router receives at once; each holds
// the storage client's upload buffers (8 MiB), whatever the file's size.
const maxUploads = 4

func (s *Server) serveBatchAPI(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	rest, files := strings.CutPrefix(p, "/v1/files")
	if !files {
		rest = strings.TrimPrefix(p, "/v1/batches")
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	b := s.cfg.Batches
	switch {
	case files && rest == "":
		if s.allow(w, r, http.MethodGet, http.MethodPost) {
			if r.Method == http.MethodPost {
				s.uploadFile(w, r)
			} else {
				s.listFiles(w, r)
			}
		}
	case files && len(parts) == 1:
		if s.allow(w, r, http.MethodGet, http.MethodDelete) {
			if r.Method == http.MethodDelete {
				s.batchCall(w, r, func(ctx context.Context) (any, error) { return b.DeleteFile(ctx, parts[0]) })
			} else {
				s.batchCall(w, r, func(ctx context.Context) (any, error) { return b.File(ctx, parts[0]) })
			}
		}
	case files && len(parts) == 2 && parts[1] == "content":
		if s.allow(w, r, http.MethodGet) {
			s.fileContent(w, r, parts[0])
		}
	case !files && rest == "":
		if s.allow(w, r, http.MethodGet, http.MethodPost) {
			if r.Method == http.MethodPost {
				s.createBatch(w, r)
			} else {
				s.listBatches(w, r)
			}
		}
	case !files && len(parts) == 1:
		if s.allow(w, r, http.MethodGet) {
			s.batchCall(w, r, func(ctx context.Context) (any, error) { return b.Batch(ctx, parts[0]) })
		}
	case !files && len(parts) == 2 && parts[1] == "cancel":
		if s.allow(w, r, http.MethodPost) {
			s.batchCall(w, r, func(ctx context.Context) (any, error) { return b.CancelBatch(ctx, parts[0]) })
		}
	default:
		writeErrorCode(w, router.ENotFound, "no such path; see the API document", 0)
	}
}

// batchCall runs a Batch API call with the submit timeout, detached from
// the caller so that a store is never left half-written, and answers its
// object or error.
func (s *Server) batchCall(w http.ResponseWriter, r *http.Request, f func(context.Context) (any, error)) {
	s.batchCallWithin(w, r, s.cfg.SubmitTimeout, f)
}

// listTimeout bounds GET /v1/files, which reads the object of every file
// it lists (up to 10,000, OpenAI's default page).
const listTimeout = time.Minute

func (s *Server) batchCallWithin(w http.ResponseWriter, r *http.Request, timeout time.Duration, f func(context.Context) (any, error)) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	defer cancel()
	v, err := f(ctx)
	if err != nil {
		s.logError(r, err)
		writeError(w, err, 0)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// uploadFile streams a multipart upload (fields "purpose" and "file", as
// OpenAI's clients send them, in either order) into storage.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	limit := s.cfg.Batches.MaxFileBytes()
	if r.ContentLength > limit+multipartOverhead {
		w.Header().Set("Connection", "close") // the rest of the body is not read
		writeParamError(w, router.EPayloadTooLarge, "file", "the upload is "+strconv.FormatInt(r.ContentLength, 10)+
			" bytes; a batch input file may have at most "+strconv.FormatInt(limit, 10), 0)
		return
	}
	select {
	case s.uploads <- struct{}{}:
		defer func() { <-s.uploads }()
	default:
		writeErrorCode(w, router.EOverloaded, strconv.Itoa(maxUploads)+" uploads are being received; retry after Retry-After", 5*time.Second)
		return
	}
	size := r.ContentLength
	if size < 0 {
		size = limit + multipartOverhead
	}
	body, done := s.boundBody(w, r, size)
	if body == nil {
		return
	}
	defer done()
	r.Body = http.MaxBytesReader(w, body, limit+multipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		writeErrorCode(w, router.EBadRequest, "send the file as multipart/form-data with the fields purpose and file", 0)
		return
	}
	f := formReader{mr: mr}
	part, err := f.nextFile()
	if err == nil && f.purpose != nil {
		err = router.CheckPurpose(*f.purpose)
	}
	if err != nil {
		s.uploadError(w, r, err)
		return
	}
	// Stored even if the caller hangs up meanwhile: the upload is bounded
	// by the body's deadline, and storage is never left half-written.
	ctx := context.WithoutCancel(r.Context())
	file, err := s.cfg.Batches.UploadFile(ctx, part.FileName(), part, f.purposeAfter)
	if err != nil {
		s.uploadError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, file)
}

// formReader reads an upload form's parts: the purpose field wherever it
// is, and the file part, streamed.
type formReader struct {
	mr      *multipart.Reader
	purpose *string
}

// nextFile reads up to the file part, taking the purpose on the way.
func (f *formReader) nextFile() (*multipart.Part, error) {
	for {
		part, err := f.mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, router.Errorf(router.EBadRequest, "the form has no field \"file\"")
		}
		if err != nil {
			return nil, err
		}
		switch part.FormName() {
		case "file":
			return part, nil
		case "purpose":
			if err := f.readPurpose(part); err != nil {
				return nil, err
			}
		}
	}
}

func (f *formReader) readPurpose(part *multipart.Part) error {
	b, err := io.ReadAll(io.LimitReader(part, 64))
	if err != nil {
		return err
	}
	p := strings.TrimSpace(string(b))
	f.purpose = &p
	return nil
}

// purposeAfter reads the rest of the form once the file is read, and
// returns its purpose.
func (f *formReader) purposeAfter() (string, error) {
	for {
		part, err := f.mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		if part.FormName() == "purpose" {
			if err := f.readPurpose(part); err != nil {
				return "", err
			}
		}
	}
	if f.purpose == nil {
		return "", router.Errorf(router.EBadRequest, "the form has no field \"purpose\"; send purpose=batch")
	}
	return *f.purpose, nil
}

// uploadError answers a failed upload: the limits as 413, a body that did
// not arrive in time or a form that does not parse as 400.
func (s *Server) uploadError(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Connection", "close") // the rest of the body, if any, is not read
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeParamError(w, router.EPayloadTooLarge, "file", "a batch input file may have at most "+strconv.FormatInt(s.cfg.Batches.MaxFileBytes(), 10)+" bytes", 0)
	case router.ErrorCode(err) == router.EPayloadTooLarge:
		writeParamError(w, router.EPayloadTooLarge, "file", router.ErrorMessage(err), 0)
	case router.ErrorCode(err) == router.EInternal:
		// Not the router's: the multipart form or the connection failed.
		writeErrorCode(w, router.EBadRequest, "the multipart form could not be read: "+err.Error(), 0)
	default:
		s.logError(r, err)
		writeError(w, err, 0)
	}
}

// fileContent streams a file's bytes, however large.
func (s *Server) fileContent(w http.ResponseWriter, r *http.Request, id string) {
	f, rc, err := s.cfg.Batches.FileContent(r.Context(), id)
	if err != nil {
		s.logError(r, err)
		writeError(w, err, 0)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(f.Bytes, 10))
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil && r.Context().Err() == nil {
		s.logError(r, err) // the answer is cut short; the client sees fewer bytes than Content-Length
	}
}

func (s *Server) createBatch(w http.ResponseWriter, r *http.Request) {
	body, done := s.boundBody(w, r, min(r.ContentLength, maxBatchRequestBytes))
	if body == nil {
		return
	}
	defer done()
	var req router.BatchRequest
	b, err := io.ReadAll(http.MaxBytesReader(w, body, maxBatchRequestBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeErrorCode(w, router.EPayloadTooLarge, "a batch request may have at most "+strconv.Itoa(maxBatchRequestBytes)+" bytes", 0)
		return
	case err != nil:
		writeError(w, router.WrapError(router.EBadRequest, "the body could not be read", err), 0)
		return
	}
	if err := json.Unmarshal(b, &req); err != nil {
		writeErrorCode(w, router.EBadRequest, "the body must be a JSON object with input_file_id, endpoint and completion_window (and optional metadata of strings): "+err.Error(), 0)
		return
	}
	s.batchCall(w, r, func(ctx context.Context) (any, error) { return s.cfg.Batches.CreateBatch(ctx, req) })
}

// Page sizes of GET /v1/batches and GET /v1/files, as OpenAI's.
const (
	defaultBatchPage = 20
	maxBatchPage     = 100
	defaultFilePage  = 10_000
	maxFilePage      = 10_000
)

func (s *Server) listBatches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := pageLimit(w, q.Get("limit"), defaultBatchPage, maxBatchPage)
	if ok {
		s.batchCall(w, r, func(ctx context.Context) (any, error) { return s.cfg.Batches.ListBatches(ctx, q.Get("after"), limit) })
	}
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := pageLimit(w, q.Get("limit"), defaultFilePage, maxFilePage)
	if !ok {
		return
	}
	fq := router.FileQuery{Purpose: q.Get("purpose"), After: q.Get("after"), Limit: limit}
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		fq.Ascending = true
	default:
		writeParamError(w, router.EBadRequest, "order", "order must be asc or desc, got "+strconv.Quote(router.Excerpt(q.Get("order"))), 0)
		return
	}
	s.batchCallWithin(w, r, max(s.cfg.SubmitTimeout, listTimeout), func(ctx context.Context) (any, error) { return s.cfg.Batches.ListFiles(ctx, fq) })
}

// pageLimit reads a limit query parameter, answering 400 when it is not a
// whole number from 1 to most.
func pageLimit(w http.ResponseWriter, v string, def, most int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		writeParamError(w, router.EBadRequest, "limit", "limit must be a whole number from 1 to "+strconv.Itoa(most), 0)
		return 0, false
	}
	return n, true
}
