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
			fail("", "line_too_large", "the line has %d bytes; at most %d are accepted", len(raw), maxLineBytes)
			continue
		}
		var l inputLine
		if err := json.Unmarshal(raw, &l); err != nil {
			fail("", "invalid_json_line", "not a JSON object with custom_id, method, url and body: %v", err)
			continue
		}
		switch {
		case l.CustomID == nil || *l.CustomID == "":
			fail("", "missing_custom_id", "custom_id is missing or empty")
			continue
		case len(*l.CustomID) > maxCustomID:
			fail("", "invalid_custom_id", "custom_id has %d characters; at most %d are accepted", len(*l.CustomID), maxCustomID)
			continue
		case seen[*l.CustomID]:
			fail(*l.CustomID, "duplicate_custom_id", "custom_id %q is used by an earlier line; each line needs its own", *l.CustomID)
			continue
		}
		id := *l.CustomID
		seen[id] = true
		if l.Method != http.MethodPost {
			fail(id, "invalid_method", "method must be POST, got %q", l.Method)
			continue
		}
		if l.URL != endpoint {
			fail(id, "mismatched_url", "url must be the batch's endpoint %s, got %q", endpoint, l.URL)
			continue
		}
		var body struct {
			Model  *string `json:"model"`
			Stream bool    `json:"stream"`
		}
		if len(l.Body) == 0 || l.Body[0] != '{' || json.Unmarshal(l.Body, &body) != nil {
			fail(id, "invalid_body", "body must be a JSON object: the request for %s", endpoint)
			continue
		}
		switch {
		case body.Model == nil || *body.Model == "":
			fail(id, "missing_model", "body.model is missing; this deployment serves %q", model)
			continue
		case model != "" && *body.Model != model:
			fail(id, "model_not_found", "body.model is %q; this deployment serves %q", *body.Model, model)
			continue
		case body.Stream:
			fail(id, "stream_not_supported", "body.stream must not be true in a batch: each answer is written whole to the output file")
			continue
		}
		ok = append(ok, validLine{CustomID: id, Body: l.Body})
	}
	return ok, bad
}
