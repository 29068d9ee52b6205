package refmodel

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
)

// Line statuses in batch output.
const (
	StatusOK       = "ok"
	StatusBadInput = "bad_input"
)

// inLine is an input line of either format.
type inLine struct {
	ID       string          `json:"id"`
	CustomID string          `json:"custom_id"`
	Method   string          `json:"method"`
	URL      string          `json:"url"`
	Body     json.RawMessage `json:"body"`
}

// openAIOutLine is a line of OpenAI's batch output format.
type openAIOutLine struct {
	ID       string          `json:"id"`
	CustomID string          `json:"custom_id"`
	Response *openAIResponse `json:"response"`
	Error    *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type openAIResponse struct {
	StatusCode int             `json:"status_code"`
	RequestID  string          `json:"request_id"`
	Body       json.RawMessage `json:"body"`
}

// serveLine answers one OpenAI batch line through the realtime handler.
func serveLine(h http.Handler, l inLine) openAIOutLine {
	method := l.Method
	if method == "" {
		method = http.MethodPost
	}
	id := responseID("batch_req_", l.CustomID+"\x00"+string(l.Body))
	req, err := http.NewRequest(method, "http://refmodel"+l.URL, bytes.NewReader(l.Body))
	if err != nil || !strings.HasPrefix(l.URL, "/") {
		o := openAIOutLine{ID: id, CustomID: l.CustomID}
		o.Error = &struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}{"invalid_url", fmt.Sprintf("url %q is not a path such as /v1/chat/completions", l.URL)}
		return o
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := bytes.TrimSpace(rec.Body.Bytes())
	if !json.Valid(body) {
		body, _ = json.Marshal(string(body))
	}
	return openAIOutLine{ID: id, CustomID: l.CustomID,
		Response: &openAIResponse{StatusCode: rec.Code, RequestID: id, Body: body}}
}

type outLine struct {
	ID     string          `json:"id"`
	Status string          `json:"status"`
	Body   json.RawMessage `json:"body"`
}

// maxLine bounds one input line (a request body plus its id).
const maxLine = 64 << 20

// RunBatch runs Config{}.RunBatch.
func RunBatch(in io.Reader, out io.Writer) (int, error) { return Config{}.RunBatch(in, out) }

// RunBatch is the batch contract, in either of two line formats, one line
// out per input line, in order:
//
//   - reference: {"id", "body"} in, {"id", "status", "body"} out; a body the
//     classifier cannot read gets status bad_input.
//   - OpenAI batch (a line with "custom_id"): {"custom_id", "method", "url",
//     "body"} in, {"id", "custom_id", "response": {"status_code",
//     "request_id", "body"}, "error"} out, as vLLM's run_batch writes; the
//     request is served by the same handler as the realtime endpoints, so
//     "url" may name any of them (the classifier's path included).
//
// Only an unreadable file fails the run.
func (c Config) RunBatch(in io.Reader, out io.Writer) (int, error) {
	var handler http.Handler
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	n := 0
	for sc.Scan() {
		raw := sc.Bytes()
		if len(raw) == 0 {
			continue
		}
		var l inLine
		if err := json.Unmarshal(raw, &l); err != nil || (l.ID == "" && l.CustomID == "") {
			return n, fmt.Errorf("input line %d is neither {\"id\", \"body\"} nor {\"custom_id\", \"method\", \"url\", \"body\"}: %v", n+1, err)
		}
		var o any
		if l.CustomID != "" {
			if handler == nil {
				handler = NewHandler(c)
			}
			o = serveLine(handler, l)
		} else {
			r := outLine{ID: l.ID, Status: StatusOK}
			if input, err := Decode(l.Body); err != nil {
				r.Status, r.Body = StatusBadInput, errorBody(err)
			} else {
				r.Body, _ = json.Marshal(PredictAs(c.name(), input))
			}
			o = r
		}
		if err := enc.Encode(o); err != nil {
			return n, fmt.Errorf("write output: %w", err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("read input: %w", err)
	}
	if err := w.Flush(); err != nil {
		return n, fmt.Errorf("write output: %w", err)
	}
	return n, nil
}
