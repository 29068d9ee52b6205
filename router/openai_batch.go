package router

import (
	"context"
	"io"
)

// The OpenAI Batch API's objects, as OpenAI's clients read them: a file
// uploaded for a batch, a batch over it, and its progress. A batch is
// validated and cut into chunks, a micro-batch's worth of lines each, which
// run through the work queue and the dispatcher like micro-batches of
// /v1/infer jobs.

// File is OpenAI's file object: an uploaded batch input, or a batch's
// output or error file.
type File struct {
	ID        string `json:"id"`
	Object    string `json:"object"` // always "file"
	Bytes     int64  `json:"bytes"`
	CreatedAt int64  `json:"created_at"`
	Filename  string `json:"filename"`
	// Purpose is "batch" for inputs, "batch_output" for what a batch wrote.
	Purpose string `json:"purpose"`
	// Status is "processed": a file is stored whole before its id is given.
	Status string `json:"status"`
	// ExpiresAt is when the file is no longer kept (unix seconds), if ever.
	ExpiresAt *int64 `json:"expires_at,omitempty"`
}

// File purposes.
const (
	PurposeBatch       = "batch"
	PurposeBatchOutput = "batch_output"
)

// CheckPurpose refuses an upload's purpose other than batch.
// Errors: bad_request.
func CheckPurpose(p string) error {
	if p == PurposeBatch {
		return nil
	}
	if len(p) > 64 {
		p = p[:64] + "…"
	}
	return Errorf(EBadRequest, "purpose must be %q (the only one this router serves), got %q", PurposeBatch, p)
}

// BatchStatus is where a batch is in its life, with OpenAI's names.
type BatchStatus string

const (
	// BatchValidating: accepted and durable; its lines are being checked
	// and cut into chunks.
	BatchValidating BatchStatus = "validating"
	// BatchFailed: the input failed validation, nothing ran (Errors says
	// why, line by line).
	BatchFailed BatchStatus = "failed"
	// BatchInProgress: every line is valid and stored in chunks, which
	// are running.
	BatchInProgress BatchStatus = "in_progress"
	// BatchFinalizing: every line has ended; the output and error files
	// are being written.
	BatchFinalizing BatchStatus = "finalizing"
	// BatchCompleted: the output and error files are ready.
	BatchCompleted BatchStatus = "completed"
	// BatchExpired: the completion window ended first; lines that had not
	// run are in the error file as batch_expired.
	BatchExpired BatchStatus = "expired"
	// BatchCancelling: cancel was asked; lines not yet running are being
	// cancelled, running ones finish.
	BatchCancelling BatchStatus = "cancelling"
	// BatchCancelled: cancelled; finished lines are in the output file.
	BatchCancelled BatchStatus = "cancelled"
)

// Terminal reports whether the batch will not change again.
func (s BatchStatus) Terminal() bool {
	switch s {
	case BatchFailed, BatchCompleted, BatchExpired, BatchCancelled:
		return true
	}
	return false
}

// RequestCounts is a batch's progress: lines in all (while validating,
// the lines checked so far), lines answered by the model, lines that failed
// (rejected by the model, cancelled, expired).
type RequestCounts struct {
	Total     int `json:"total"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
}

// BatchError is one reason a batch failed as a whole.
type BatchError struct {
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Param   *string `json:"param"`
	Line    *int    `json:"line"`
}

// BatchErrors is OpenAI's list of a failed batch's errors.
type BatchErrors struct {
	Object string       `json:"object"` // always "list"
	Data   []BatchError `json:"data"`
}

// Batch is OpenAI's batch object. Times are unix seconds; nil means the
// batch has not been there.
type Batch struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"` // always "batch"
	Endpoint         string            `json:"endpoint"`
	Errors           *BatchErrors      `json:"errors"`
	InputFileID      string            `json:"input_file_id"`
	CompletionWindow string            `json:"completion_window"`
	Status           BatchStatus       `json:"status"`
	OutputFileID     *string           `json:"output_file_id"`
	ErrorFileID      *string           `json:"error_file_id"`
	CreatedAt        int64             `json:"created_at"`
	InProgressAt     *int64            `json:"in_progress_at"`
	ExpiresAt        *int64            `json:"expires_at"`
	FinalizingAt     *int64            `json:"finalizing_at"`
	CompletedAt      *int64            `json:"completed_at"`
	FailedAt         *int64            `json:"failed_at"`
	ExpiredAt        *int64            `json:"expired_at"`
	CancellingAt     *int64            `json:"cancelling_at"`
	CancelledAt      *int64            `json:"cancelled_at"`
	RequestCounts    RequestCounts     `json:"request_counts"`
	Metadata         map[string]string `json:"metadata"`
}

// BatchRequest is POST /v1/batches.
type BatchRequest struct {
	InputFileID      string            `json:"input_file_id"`
	Endpoint         string            `json:"endpoint"`
	CompletionWindow string            `json:"completion_window"`
	Metadata         map[string]string `json:"metadata"`
}

// BatchPage is one page of GET /v1/batches, newest first.
type BatchPage struct {
	Object  string  `json:"object"` // always "list"
	Data    []Batch `json:"data"`
	FirstID *string `json:"first_id"`
	LastID  *string `json:"last_id"`
	HasMore bool    `json:"has_more"`
}

// BatchService is the OpenAI Batch API over the router's durable jobs.
type BatchService interface {
	// MaxFileBytes is the largest file UploadFile accepts.
	MaxFileBytes() int64
	// UploadFile streams a batch input file into storage and returns its
	// object once it is stored whole. purpose is asked once data is read to
	// its end (a form may send it after the file). An error of data or
	// purpose stays in the chain. Errors: bad_request (purpose, no lines,
	// too many lines), payload_too_large, unavailable.
	UploadFile(ctx context.Context, filename string, data io.Reader, purpose func() (string, error)) (File, error)
	// File returns a file's object. Errors: not_found, unavailable.
	File(ctx context.Context, id string) (File, error)
	// FileContent opens a file's bytes; the caller closes them.
	// Errors: not_found, unavailable.
	FileContent(ctx context.Context, id string) (File, io.ReadCloser, error)
	// ListFiles returns a page of files. Errors: bad_request, unavailable.
	ListFiles(ctx context.Context, q FileQuery) (FilePage, error)
	// DeleteFile deletes a file. Errors: not_found, unavailable.
	DeleteFile(ctx context.Context, id string) (FileDeleted, error)
	// CreateBatch stores the batch durably (status validating) and returns
	// it; its lines are validated and run afterwards. Errors: bad_request
	// (endpoint, completion window, metadata, input file), not_found (the
	// input file), unavailable.
	CreateBatch(ctx context.Context, req BatchRequest) (Batch, error)
	// Batch returns a batch with its current progress. Errors: not_found,
	// unavailable.
	Batch(ctx context.Context, id string) (Batch, error)
	// ListBatches returns up to limit batches created before the batch
	// after (all when empty), newest first. Errors: bad_request, unavailable.
	ListBatches(ctx context.Context, after string, limit int) (BatchPage, error)
	// CancelBatch asks to cancel a batch and returns it (cancelling, or as
	// it is when already terminal). Errors: not_found, unavailable.
	CancelBatch(ctx context.Context, id string) (Batch, error)
}

// FilePage is one page of GET /v1/files.
type FilePage struct {
	Object  string  `json:"object"` // always "list"
	Data    []File  `json:"data"`
	FirstID *string `json:"first_id"`
	LastID  *string `json:"last_id"`
	HasMore bool    `json:"has_more"`
}

// FileQuery selects the files GET /v1/files lists: of Purpose (all when
// empty), after the file After (from the start when empty), at most
// Limit, newest first unless Ascending.
type FileQuery struct {
	Purpose   string
	After     string
	Limit     int
	Ascending bool
}

// FileDeleted is the answer to DELETE /v1/files/{id}.
type FileDeleted struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // always "file"
	Deleted bool   `json:"deleted"`
}

// ChunkRef names one chunk of a batch: a micro-batch's worth of its valid
// lines, stored once as the pool's input file (Blob, in the request
// container) and run as one micro-batch. Its work-queue message carries it.
type ChunkRef struct {
	Batch string `json:"batch"`
	Index int    `json:"index"`
	Blob  string `json:"blob"`
	// ExpiresAt is the batch's end of completion window (unix seconds):
	// a chunk taken later does not run.
	ExpiresAt int64 `json:"expires_at"`
	// Model is the key of the model whose lines the chunk holds (a chunk
	// holds one model's); empty for the first model.
	Model string `json:"model,omitempty"`
}

// Codes of the lines that end without an answer, in a batch's error file.
const (
	LineCancelled = "batch_cancelled" // the batch was cancelled before the line ran
	LineExpired   = "batch_expired"   // the completion window ended before the line ran
	LineJobFailed = "job_failed"      // the batch command failed on the line alone, or it never ran (poisoned)
)

// LineFailure is why a line ended without an answer.
type LineFailure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ChunkOutcome is what running a chunk gave: the answers by custom_id and
// the lines the batch command failed on alone; or, for a chunk that does
// not run at all, one failure for every line (All).
type ChunkOutcome struct {
	Results map[string]ResultLine
	Failed  map[string]LineFailure
	All     *LineFailure
}

// Chunks is the Batch API's side of running chunks (router/batchapi); the
// dispatcher runs them.
type Chunks interface {
	// Skip reports whether a chunk taken from the queue must not run: it
	// already has an outcome (a duplicate message), or its batch was
	// cancelled or has expired, in which case Skip stores that outcome.
	// Errors: unavailable.
	Skip(ctx context.Context, c ChunkRef) (bool, error)
	// Finish stores a chunk's outcome once: of two runs of one chunk (a
	// message delivered twice), the first stored is kept, so every line is
	// in the batch's output or error file exactly once. Errors: unavailable.
	Finish(ctx context.Context, c ChunkRef, o ChunkOutcome) error
}
