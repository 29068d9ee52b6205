package batchapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
)

// outputLine is a line of OpenAI's batch output and error files: a request
// the model answered has a response (2xx in the output file, anything else
// in the error file); one that never got an answer has only an error.
type outputLine struct {
	ID       string              `json:"id"`
	CustomID string              `json:"custom_id"`
	Response *lineResponse       `json:"response"`
	Error    *router.LineFailure `json:"error"`
}

type lineResponse struct {
	StatusCode int             `json:"status_code"`
	RequestID  string          `json:"request_id"`
	Body       json.RawMessage `json:"body"`
}

// LineErrorCodes are every error.code an error-file line without a
// response can carry (the API document lists them); a line the pool's
// command answered with an error of its own carries the command's code.
var LineErrorCodes = []string{router.LineCancelled, router.LineExpired, router.LineJobFailed}

// requestID is a line's id, the same whichever run answered it.
func requestID(batchID, customID string) string {
	h := sha256.Sum256([]byte(batchID + "\x00" + customID))
	return "batch_req_" + hex.EncodeToString(h[:12])
}

// answeredLine is the line of a request the pool's command answered;
// ok says whether it belongs in the output file rather than the error file.
func answeredLine(batchID, customID string, r router.ResultLine) (line outputLine, ok bool) {
	id := requestID(batchID, customID)
	line = outputLine{ID: id, CustomID: customID}
	switch {
	case r.Status == "ok":
		line.Response = &lineResponse{StatusCode: 200, RequestID: id, Body: r.Body}
		return line, true
	case strings.HasPrefix(r.Status, dispatch.HTTPStatusPrefix):
		if code, err := strconv.Atoi(strings.TrimPrefix(r.Status, dispatch.HTTPStatusPrefix)); err == nil {
			line.Response = &lineResponse{StatusCode: code, RequestID: id, Body: r.Body}
			return line, false
		}
	}
	// An error line of the command's own: {"error": {"code", "message"}}.
	var e struct {
		Error router.LineFailure `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	f := router.LineFailure{Code: r.Status, Message: e.Error.Message}
	if f.Code == "" {
		f.Code = router.LineJobFailed
	}
	if f.Message == "" {
		f.Message = "the batch command failed on this request"
	}
	line.Error = &f
	return line, false
}

// failedLine is the error-file line of a request that got no answer.
func failedLine(batchID, customID string, f router.LineFailure) outputLine {
	return outputLine{ID: requestID(batchID, customID), CustomID: customID, Error: &f}
}

func appendLine(w io.Writer, l outputLine) {
	b, _ := json.Marshal(l) // plain structs and valid raw JSON: cannot fail
	_, _ = w.Write(append(b, '\n'))
}
