package dispatch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Format is the micro-batch file format the pool's batch command reads and
// writes (the stack's inferenceApi setting chooses it).
type Format interface {
	// AppendInput writes one job as an input line.
	AppendInput(buf *bytes.Buffer, l InputLine) error
	// ParseOutput reads the output file into results by job id; lines it
	// cannot read are skipped, so their jobs are reported missing.
	ParseOutput(out []byte) map[string]router.ResultLine
}

// InputLine is one job of a micro-batch.
type InputLine struct {
	JobID string
	Body  json.RawMessage
}

// NewFormat returns the format named name. inferPath is where an OpenAI
// batch line sends a /v1/infer job (the path of INFERENCE_URL, which the
// same server answers in realtime).
func NewFormat(name, inferPath string) (Format, error) {
	switch name {
	case "", router.FormatReference:
		return referenceFormat{}, nil
	case router.FormatOpenAI:
		return openAIFormat{inferPath: inferPath}, nil
	}
	return nil, fmt.Errorf("inference API %q: want %s or %s", name, router.FormatReference, router.FormatOpenAI)
}

// referenceFormat is the reference model's contract: {"id", "body"} in,
// {"id", "status", "body"} out.
type referenceFormat struct{}

func (referenceFormat) AppendInput(buf *bytes.Buffer, l InputLine) error {
	return json.NewEncoder(buf).Encode(router.BatchLine{ID: l.JobID, Body: l.Body})
}

func (referenceFormat) ParseOutput(out []byte) map[string]router.ResultLine {
	res := map[string]router.ResultLine{}
	eachLine(out, func(b []byte) {
		var l router.ResultLine
		if json.Unmarshal(b, &l) == nil && l.ID != "" {
			res[l.ID] = l
		}
	})
	return res
}

// openAIFormat is OpenAI's batch file format, which vLLM's run_batch reads
// and writes: {"custom_id", "method", "url", "body"} in, {"id",
// "custom_id", "response": {"status_code", "request_id", "body"}, "error"}
// out. The job id is the custom_id.
type openAIFormat struct{ inferPath string }

type openAIInputLine struct {
	CustomID string          `json:"custom_id"`
	Method   string          `json:"method"`
	URL      string          `json:"url"`
	Body     json.RawMessage `json:"body"`
}

func (f openAIFormat) AppendInput(buf *bytes.Buffer, l InputLine) error {
	return json.NewEncoder(buf).Encode(openAIInputLine{CustomID: l.JobID, Method: "POST", URL: f.inferPath, Body: l.Body})
}

type openAIOutputLine struct {
	CustomID string `json:"custom_id"`
	Response *struct {
		StatusCode int             `json:"status_code"`
		Body       json.RawMessage `json:"body"`
	} `json:"response"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// HTTPStatusPrefix starts the result status of an OpenAI line the server
// answered with an error status: "http_400". A 2xx answer is "ok".
const HTTPStatusPrefix = "http_"

// ParseOutput maps an answered line to "ok" (2xx) or http_<status> with the
// server's body, and a line with only an error to its code (or "error")
// with the error as the body.
func (openAIFormat) ParseOutput(out []byte) map[string]router.ResultLine {
	res := map[string]router.ResultLine{}
	eachLine(out, func(b []byte) {
		var l openAIOutputLine
		if json.Unmarshal(b, &l) != nil || l.CustomID == "" {
			return
		}
		r := router.ResultLine{ID: l.CustomID}
		switch {
		case l.Response != nil && l.Response.StatusCode/100 == 2:
			r.Status, r.Body = "ok", l.Response.Body
		case l.Response != nil:
			r.Status, r.Body = HTTPStatusPrefix+strconv.Itoa(l.Response.StatusCode), l.Response.Body
		case l.Error != nil:
			r.Status = "error"
			if l.Error.Code != "" {
				r.Status = l.Error.Code
			}
			r.Body, _ = json.Marshal(map[string]any{"error": l.Error})
		default:
			return
		}
		res[r.ID] = r
	})
	return res
}

func eachLine(out []byte, f func([]byte)) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		f(sc.Bytes())
	}
}
