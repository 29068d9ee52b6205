package batchapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// inputLine is a line of an OpenAI batch input file.
type inputLine struct {
	CustomID *string         `json:"custom_id"`
	Method   string          `json:"method"`
	URL      string          `json:"url"`
	Body     json.RawMessage `json:"body"`
}

// validLine is a line that will run: its custom_id and request body.
type validLine struct {
	CustomID string
	Body     json.RawMessage
}

// Error codes of input lines that fail validation.
const (
	CodeLineTooLarge       = "line_too_large"
	CodeInvalidJsonLine    = "invalid_json_line"
	CodeMissingCustomId    = "missing_custom_id"
	CodeInvalidCustomId    = "invalid_custom_id"
	CodeDuplicateCustomId  = "duplicate_custom_id"
	CodeInvalidMethod      = "invalid_method"
	CodeMismatchedUrl      = "mismatched_url"
	CodeInvalidBody        = "invalid_body"
	CodeMissingModel       = "missing_model"
	CodeModelNotFound      = "model_not_found"
	CodeStreamNotSupported = "stream_not_supported"
)

// maxCustomID bounds custom_id, which becomes part of an idempotency key.
const maxCustomID = 512

// lineError is why one input line will not run; it becomes an error-file line.
type lineError struct {
	Line     int // 1-based
	CustomID string
	Code     string
	Message  string
}

// validate splits an input file into lines that will run and the errors of
// those that will not, checking each line as OpenAI does: a JSON object
// with a unique custom_id, method POST, url the batch's endpoint, and a body
// that is a JSON object naming the deployed model and not streamed.
func validate(data []byte, endpoint, model string, maxLineBytes int) ([]validLine, []lineError) {
	var ok []validLine
	var bad []lineError
	seen := map[string]bool{}
	n := 0
	for raw := range bytes.Lines(data) {
		n++
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		fail := func(customID, code, format string, args ...any) {
			bad = append(bad, lineError{Line: n, CustomID: customID, Code: code, Message: fmt.Sprintf("line %d: ", n) + fmt.Sprintf(format, args...)})
		}
		if len(raw) > maxLineBytes {
			fail("", CodeLineTooLarge, "the line has %d bytes; at most %d are accepted", len(raw), maxLineBytes)
			continue
		}
		var l inputLine
		if err := json.Unmarshal(raw, &l); err != nil {
			fail("", CodeInvalidJsonLine, "not a JSON object with custom_id, method, url and body: %v", err)
			continue
		}
		switch {
		case l.CustomID == nil || *l.CustomID == "":
			fail("", CodeMissingCustomId, "custom_id is missing or empty")
			continue
		case len(*l.CustomID) > maxCustomID:
			fail("", CodeInvalidCustomId, "custom_id has %d characters; at most %d are accepted", len(*l.CustomID), maxCustomID)
			continue
		case seen[*l.CustomID]:
			fail(*l.CustomID, CodeDuplicateCustomId, "custom_id %q is used by an earlier line; each line needs its own", *l.CustomID)
			continue
		}
		id := *l.CustomID
		seen[id] = true
		if l.Method != http.MethodPost {
			fail(id, CodeInvalidMethod, "method must be POST, got %q", l.Method)
			continue
		}
		if l.URL != endpoint {
			fail(id, CodeMismatchedUrl, "url must be the batch's endpoint %s, got %q", endpoint, l.URL)
			continue
		}
		var body struct {
			Model  *string `json:"model"`
			Stream bool    `json:"stream"`
		}
		if len(l.Body) == 0 || l.Body[0] != '{' || json.Unmarshal(l.Body, &body) != nil {
			fail(id, CodeInvalidBody, "body must be a JSON object: the request for %s", endpoint)
			continue
		}
		switch {
		case body.Model == nil || *body.Model == "":
			fail(id, CodeMissingModel, "body.model is missing; this deployment serves %q", model)
			continue
		case model != "" && *body.Model != model:
			fail(id, CodeModelNotFound, "body.model is %q; this deployment serves %q", *body.Model, model)
			continue
		case body.Stream:
			fail(id, CodeStreamNotSupported, "body.stream must not be true in a batch: each answer is written whole to the output file")
			continue
		}
		ok = append(ok, validLine{CustomID: id, Body: l.Body})
	}
	return ok, bad
}
