package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The OpenAI Batch API's HTTP side: /v1/files (upload, object, content) and
// /v1/batches (create, get, list, cancel). router.BatchService does the
// work; this file decodes requests and encodes OpenAI's objects and errors.

// maxBatchRequestBytes bounds POST /v1/batches: it names a file, it is not one.
const maxBatchRequestBytes = 64 << 10

// multipartOverhead is room for the form's boundaries and other fields
// beside the file itself.
const multipartOverhead = 64 << 10

func (s *Server) serveBatchAPI(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	rest, files := strings.CutPrefix(p, "/v1/files")
	if !files {
		rest = strings.TrimPrefix(p, "/v1/batches")
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	switch {
	case files && rest == "":
		if s.allowOpenAI(w, r, http.MethodPost) {
			s.uploadFile(w, r)
		}
	case files && len(parts) == 1:
		if s.allowOpenAI(w, r, http.MethodGet) {
			s.batchCall(w, r, func(ctx context.Context) (any, error) { return s.cfg.Batches.File(ctx, parts[0]) })
		}
	case files && len(parts) == 2 && parts[1] == "content":
		if s.allowOpenAI(w, r, http.MethodGet) {
			s.fileContent(w, r, parts[0])
		}
	case !files && rest == "":
		switch r.Method {
		case http.MethodPost:
			if s.allowOpenAI(w, r, http.MethodPost) {
				s.createBatch(w, r)
			}
		default:
			if s.allowOpenAI(w, r, http.MethodGet) {
				s.listBatches(w, r)
			}
		}
	case !files && len(parts) == 1:
		if s.allowOpenAI(w, r, http.MethodGet) {
			s.batchCall(w, r, func(ctx context.Context) (any, error) { return s.cfg.Batches.Batch(ctx, parts[0]) })
		}
	case !files && len(parts) == 2 && parts[1] == "cancel":
		if s.allowOpenAI(w, r, http.MethodPost) {
			s.batchCall(w, r, func(ctx context.Context) (any, error) { return s.cfg.Batches.CancelBatch(ctx, parts[0]) })
		}
	default:
		writeOpenAIErrorCode(w, router.ENotFound, "no such path; see the API document", 0)
	}
}

// batchCall runs a Batch API call with the submit timeout, detached from
// the caller so that a store is never left half-written, and answers its
// object or error.
func (s *Server) batchCall(w http.ResponseWriter, r *http.Request, f func(context.Context) (any, error)) {
	s.batchCallWithin(w, r, s.cfg.SubmitTimeout, f)
}

// uploadTimeout bounds storing an uploaded file, which may be 100 MiB.
const uploadTimeout = 5 * time.Minute

func (s *Server) batchCallWithin(w http.ResponseWriter, r *http.Request, timeout time.Duration, f func(context.Context) (any, error)) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	defer cancel()
	v, err := f(ctx)
	if err != nil {
		s.logError(r, err)
		writeOpenAIError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// uploadFile reads a multipart upload (fields "purpose" and "file", as
// OpenAI's clients send them) of at most MaxFileBytes and stores it.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	limit := s.cfg.Batches.MaxFileBytes()
	if r.ContentLength > limit+multipartOverhead {
		writeOpenAIParamError(w, router.EPayloadTooLarge, "file", "the upload is "+strconv.FormatInt(r.ContentLength, 10)+
			" bytes; a batch input file may have at most "+strconv.FormatInt(limit, 10), 0)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+multipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		writeOpenAIErrorCode(w, router.EBadRequest, "send the file as multipart/form-data with the fields purpose and file", 0)
		return
	}
	var purpose, filename string
	var data []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.uploadReadError(w, err, limit)
			return
		}
		switch part.FormName() {
		case "purpose":
			b, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				s.uploadReadError(w, err, limit)
				return
			}
			purpose = strings.TrimSpace(string(b))
		case "file":
			filename = part.FileName()
			var buf bytes.Buffer
			if _, err := buf.ReadFrom(io.LimitReader(part, limit+1)); err != nil {
				s.uploadReadError(w, err, limit)
				return
			}
			if int64(buf.Len()) > limit {
				s.uploadReadError(w, &http.MaxBytesError{Limit: limit}, limit)
				return
			}
			data = buf.Bytes()
		}
		part.Close()
	}
	if data == nil {
		writeOpenAIParamError(w, router.EBadRequest, "file", "the form has no field \"file\"", 0)
		return
	}
	s.batchCallWithin(w, r, max(s.cfg.SubmitTimeout, uploadTimeout), func(ctx context.Context) (any, error) {
		return s.cfg.Batches.UploadFile(ctx, filename, purpose, data)
	})
}

func (s *Server) uploadReadError(w http.ResponseWriter, err error, limit int64) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeOpenAIParamError(w, router.EPayloadTooLarge, "file", "a batch input file may have at most "+strconv.FormatInt(limit, 10)+" bytes", 0)
		return
	}
	writeOpenAIErrorCode(w, router.EBadRequest, "the multipart form could not be read", 0)
}

func (s *Server) fileContent(w http.ResponseWriter, r *http.Request, id string) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.SubmitTimeout)
	defer cancel()
	b, err := s.cfg.Batches.FileContent(ctx, id)
	if err != nil {
		s.logError(r, err)
		writeOpenAIError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (s *Server) createBatch(w http.ResponseWriter, r *http.Request) {
	var req router.BatchRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBatchRequestBytes))
	if err != nil {
		writeOpenAIErrorCode(w, router.EPayloadTooLarge, "a batch request may have at most "+strconv.Itoa(maxBatchRequestBytes)+" bytes", 0)
		return
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeOpenAIErrorCode(w, router.EBadRequest, "the body must be a JSON object with input_file_id, endpoint and completion_window", 0)
		return
	}
	s.batchCall(w, r, func(ctx context.Context) (any, error) { return s.cfg.Batches.CreateBatch(ctx, req) })
}

// Page sizes of GET /v1/batches, as OpenAI's.
const (
	defaultBatchPage = 20
	maxBatchPage     = 100
)

func (s *Server) listBatches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultBatchPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxBatchPage {
			writeOpenAIParamError(w, router.EBadRequest, "limit", "limit must be a whole number from 1 to "+strconv.Itoa(maxBatchPage), 0)
			return
		}
		limit = n
	}
	s.batchCall(w, r, func(ctx context.Context) (any, error) { return s.cfg.Batches.ListBatches(ctx, q.Get("after"), limit) })
}
