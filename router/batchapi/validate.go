package batchapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// A batch's input is validated whole before any line runs, and a file with
// an invalid line fails the batch (status failed, errors naming each line),
// as OpenAI's Batch API does: its responses for malformed lines, missing
// fields, a url other than the endpoint, an unknown model and a streamed
// request are batches that end failed with errors.data of {code, line,
// message, param} (recorded against api.openai.com in llamastack/llama-stack
// tests/integration/batches/test_batches_errors.py). The codes are OpenAI's
// where that record shows them.

// Error codes of input lines that fail validation (errors.data[].code).
const (
	CodeLineTooLarge       = "line_too_large"
	CodeInvalidJSONLine    = "invalid_json_line"
	CodeMissingParameter   = "missing_required_parameter"
	CodeInvalidCustomID    = "invalid_custom_id"
	CodeDuplicateCustomID  = "duplicate_custom_id"
	CodeInvalidMethod      = "invalid_method"
	CodeInvalidURL         = "invalid_url"
	CodeInvalidRequest     = "invalid_request"
	CodeModelNotFound      = "model_not_found"
	CodeStreamingUnsupport = "streaming_unsupported"
	// CodeTooManyErrors ends a list of errors cut at maxBatchErrors.
	CodeTooManyErrors = "too_many_errors"
)

// BatchErrorCodes are every code a failed batch's errors can carry (the
// API document lists them).
var BatchErrorCodes = []string{
	CodeLineTooLarge, CodeInvalidJSONLine, CodeMissingParameter, CodeInvalidCustomID, CodeDuplicateCustomID,
	CodeInvalidMethod, CodeInvalidURL, CodeInvalidRequest, CodeModelNotFound, CodeStreamingUnsupport,
	CodeTooManyErrors,
}

// maxCustomID bounds custom_id in characters.
const maxCustomID = 512

// inputLine is what validation reads of a line of an OpenAI batch input
// file, in one pass of the JSON decoder (the body is not kept: a valid line
// goes to its chunk as it was written).
type inputLine struct {
	CustomID json.RawMessage `json:"custom_id"`
	Method   *string         `json:"method"`
	URL      *string         `json:"url"`
	Body     *struct {
		Model  *string `json:"model"`
		Stream *bool   `json:"stream"`
	} `json:"body"`
}

// lineError is why one input line cannot run.
type lineError struct {
	Code, Param, Message string
}

func lineErr(code, param, format string, args ...any) *lineError {
	return &lineError{Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

// checkLine validates one non-blank line against the batch's endpoint and
// the router's models, and returns its custom_id, the key of the model it
// runs on, and the line as the pool gets it: as written, or, for a line
// that names its model by an alias, with the model's id in body.model (the
// model's server knows no other name).
func (s *Service) checkLine(raw []byte, endpoint string) (string, string, []byte, *lineError) {
	id, model, le := checkFields(raw, endpoint)
	if le != nil {
		return id, "", nil, le
	}
	key, name, err := s.cfg.Route(model)
	if err != nil {
		code := CodeInvalidRequest
		if router.ErrorCode(err) == router.EModelNotFound {
			code = CodeModelNotFound
		}
		return id, "", nil, lineErr(code, "body.model", "%s", router.ErrorMessage(err))
	}
	if name != model {
		if raw, err = withBodyModel(raw, name); err != nil {
			return id, "", nil, lineErr(CodeInvalidRequest, "body", "body cannot be read as a JSON object: %v", err)
		}
	}
	return id, key, raw, nil
}

// withBodyModel is a line with body.model set to name.
func withBodyModel(raw []byte, name string) ([]byte, error) {
	var line, body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &line); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(line["body"], &body); err != nil {
		return nil, err
	}
	body["model"], _ = json.Marshal(name)
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	line["body"] = b
	return json.Marshal(line)
}

// checkFields checks a line's fields and returns its custom_id and
// body.model.
func checkFields(raw []byte, endpoint string) (string, string, *lineError) {
	var l inputLine
	err := json.Unmarshal(raw, &l)
	var te *json.UnmarshalTypeError
	if err != nil && (!errors.As(err, &te) || te.Field == "") {
		return "", "", lineErr(CodeInvalidJSONLine, "", "this line is not parseable as a JSON object: %v", err)
	}
	var id string
	switch {
	case l.CustomID == nil || string(l.CustomID) == "null":
		return "", "", lineErr(CodeMissingParameter, "custom_id", "missing required parameter: 'custom_id'")
	case json.Unmarshal(l.CustomID, &id) != nil:
		return "", "", lineErr(CodeInvalidCustomID, "custom_id", "custom_id must be a string, got %s", router.Excerpt(string(l.CustomID)))
	case id == "":
		return "", "", lineErr(CodeMissingParameter, "custom_id", "custom_id is empty; each line needs its own id")
	case utf8.RuneCountInString(id) > maxCustomID:
		return id, "", lineErr(CodeInvalidCustomID, "custom_id", "custom_id has %d characters; at most %d are accepted", utf8.RuneCountInString(id), maxCustomID)
	case te != nil:
		return id, "", typeError(te, endpoint)
	case l.Method == nil:
		return id, "", lineErr(CodeMissingParameter, "method", "missing required parameter: 'method'")
	case *l.Method != http.MethodPost:
		return id, "", lineErr(CodeInvalidMethod, "method", "method must be POST, got %q", router.Excerpt(*l.Method))
	case l.URL == nil:
		return id, "", lineErr(CodeMissingParameter, "url", "missing required parameter: 'url'")
	case *l.URL != endpoint:
		return id, "", lineErr(CodeInvalidURL, "url", "the url %q does not match the batch's endpoint %s", router.Excerpt(*l.URL), endpoint)
	case l.Body == nil:
		return id, "", lineErr(CodeMissingParameter, "body", "missing required parameter: 'body'")
	case l.Body.Model == nil || *l.Body.Model == "":
		return id, "", lineErr(CodeInvalidRequest, "body.model", "body.model is required: the id of the model the request is for")
	case l.Body.Stream != nil && *l.Body.Stream:
		return id, "", lineErr(CodeStreamingUnsupport, "body.stream", "streaming is not supported in a batch: each answer is written whole to the output file")
	}
	return id, *l.Body.Model, nil
}

// typeError names the field of a line whose JSON type is wrong.
func typeError(te *json.UnmarshalTypeError, endpoint string) *lineError {
	switch te.Field {
	case "method":
		return lineErr(CodeInvalidMethod, "method", "method must be the string POST, got a JSON %s", te.Value)
	case "url":
		return lineErr(CodeInvalidURL, "url", "url must be the string %s, got a JSON %s", endpoint, te.Value)
	case "body":
		return lineErr(CodeInvalidRequest, "body", "body must be a JSON object, the request for %s; got a JSON %s", endpoint, te.Value)
	}
	return lineErr(CodeInvalidRequest, te.Field, "%s has the wrong type: a JSON %s", te.Field, te.Value)
}

// customIDOf finds a top-level "custom_id" string at the start of a line too
// large to parse whole, so that its error can name the request.
func customIDOf(prefix []byte) string {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return ""
		}
		if k == "custom_id" {
			var id string
			if dec.Decode(&id) == nil {
				return id
			}
			return ""
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}
