package router

import "context"

// The OpenAI Batch API's objects, as OpenAI's clients read them: a file
// uploaded for a batch, a batch over it, and its progress. A batch's lines
// run as jobs on the work queue like any other batch job; the batch is the
// view that groups them.

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

// BatchStatus is where a batch is in its life, with OpenAI's names.
type BatchStatus string

const (
	// BatchValidating: accepted and durable; its lines are being checked
	// and queued as jobs.
	BatchValidating BatchStatus = "validating"
	// BatchFailed: the input could not be used at all (Errors says why).
	BatchFailed BatchStatus = "failed"
	// BatchInProgress: every valid line is queued; jobs are running.
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

// RequestCounts is a batch's progress: lines in all, lines answered by the
// model, lines that failed (invalid, rejected by the model, cancelled,
// expired).
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
	// UploadFile stores a batch input file durably and returns its object.
	// Errors: bad_request (purpose, not JSON lines, too many lines),
	// payload_too_large, unavailable.
	UploadFile(ctx context.Context, filename, purpose string, data []byte) (File, error)
	// File returns a file's object. Errors: not_found, unavailable.
	File(ctx context.Context, id string) (File, error)
	// FileContent returns a file's bytes. Errors: not_found, unavailable.
	FileContent(ctx context.Context, id string) ([]byte, error)
	// CreateBatch stores the batch durably (status validating) and returns
	// it; its lines are queued as jobs afterwards. Errors: bad_request
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

// ListingStore is a PayloadStore that also lists and deletes, for records
// found by name prefix (the Batch API's files and batches).
type ListingStore interface {
	PayloadStore
	// List returns the names under prefix in lexicographic order.
	// Errors: unavailable.
	List(ctx context.Context, container, prefix string) ([]string, error)
	// Delete removes a blob; one that does not exist is not an error.
	// Errors: unavailable.
	Delete(ctx context.Context, container, name string) error
}
