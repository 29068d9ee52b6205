package batchapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
)

// outputLine is a line of OpenAI's batch output and error files: a request
// the model answered has a response (2xx in the output file, anything else
// in the error file); one that never reached the model has only an error.
type outputLine struct {
	ID       string        `json:"id"`
	CustomID string        `json:"custom_id"`
	Response *lineResponse `json:"response"`
	Error    *lineFailure  `json:"error"`
}

type lineResponse struct {
	StatusCode int             `json:"status_code"`
	RequestID  string          `json:"request_id"`
	Body       json.RawMessage `json:"body"`
}

type lineFailure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes of lines that ended without an answer.
const (
	CodeCancelled = "batch_cancelled"
	CodeExpired   = "batch_expired"
	CodeJobFailed = "job_failed"
)

// LineErrorCodes are every error.code an error-file line without a
// response can carry (the API document lists them).
var LineErrorCodes = []string{
	CodeLineTooLarge,
	CodeInvalidJsonLine,
	CodeMissingCustomId,
	CodeInvalidCustomId,
	CodeDuplicateCustomId,
	CodeInvalidMethod,
	CodeMismatchedUrl,
	CodeInvalidBody,
	CodeMissingModel,
	CodeModelNotFound,
	CodeStreamNotSupported,
	CodeCancelled, CodeExpired, CodeJobFailed,
}

// resultLine turns a finished line's job into its output line; ok says
// whether it belongs in the output file rather than the error file.
func resultLine(ref lineRef, job router.Job) (line outputLine, ok bool) {
	line = outputLine{ID: "batch_req_" + job.ID, CustomID: ref.CustomID}
	switch {
	case job.State == router.JobSucceeded:
		line.Response = &lineResponse{StatusCode: 200, RequestID: job.ID, Body: job.Result}
		return line, true
	case strings.HasPrefix(job.ResultStatus, dispatch.HTTPStatusPrefix):
		code, err := strconv.Atoi(strings.TrimPrefix(job.ResultStatus, dispatch.HTTPStatusPrefix))
		if err == nil {
			line.Response = &lineResponse{StatusCode: code, RequestID: job.ID, Body: job.Result}
			return line, false
		}
	}
	code := job.ResultStatus
	if code == "" || code == "ok" {
		code = CodeJobFailed
	}
	msg := job.Error
	if msg == "" {
		msg = "the request failed"
	}
	line.Error = &lineFailure{Code: code, Message: msg}
	return line, false
}

// invalidLine is the error-file line of an input line that failed validation.
func invalidLine(batchID string, e lineError) outputLine {
	h := sha256.Sum256([]byte(batchID + "/" + strconv.Itoa(e.Line)))
	return outputLine{ID: "batch_req_" + hex.EncodeToString(h[:16]), CustomID: e.CustomID,
		Error: &lineFailure{Code: e.Code, Message: e.Message}}
}

func appendLine(buf *bytes.Buffer, l outputLine) {
	b, _ := json.Marshal(l) // plain structs and valid raw JSON: cannot fail
	buf.Write(b)
	buf.WriteByte('\n')
}
