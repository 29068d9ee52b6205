package http

import (
	"net/http"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// OpenAI's error document, which its clients parse: {"error": {"message",
// "type", "param", "code"}}. The code is the router's stable error code, so
// tooling matches the same strings on both APIs; the type is OpenAI's coarse
// class, and the status code is the router's (StatusCode).
type openAIErrorBody struct {
	Error openAIErrorDetail `json:"error"`
}

type openAIErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// openAITypeOf is the error type an OpenAI client sees for each code.
var openAITypeOf = map[string]string{
	router.EBadHeader:           "invalid_request_error",
	router.EBadRequest:          "invalid_request_error",
	router.EUnauthorized:        "authentication_error",
	router.ENotFound:            "invalid_request_error",
	router.EMethodNotAllowed:    "invalid_request_error",
	router.EPayloadTooLarge:     "invalid_request_error",
	router.EHeaderTooLarge:      "invalid_request_error",
	router.EIdempotencyConflict: "invalid_request_error",
	router.EOverloaded:          "rate_limit_error",
	router.EUnavailable:         "server_error",
	router.EDeadlineUnmeetable:  "server_error",
	router.EBackendTimeout:      "server_error",
	router.EInternal:            "server_error",
}

// OpenAIErrorType returns the OpenAI error type of a code.
func OpenAIErrorType(code string) string {
	if t, ok := openAITypeOf[code]; ok {
		return t
	}
	return "server_error"
}

// writeOpenAIErrorCode answers an OpenAI-compatible endpoint's error.
func writeOpenAIErrorCode(w http.ResponseWriter, code, message string, retryAfter time.Duration) {
	writeOpenAIParamError(w, code, "", message, retryAfter)
}

// writeOpenAIParamError is writeOpenAIErrorCode naming the request field
// that was wrong.
func writeOpenAIParamError(w http.ResponseWriter, code, param, message string, retryAfter time.Duration) {
	d := openAIErrorDetail{Message: message, Type: OpenAIErrorType(code), Code: code}
	if param != "" {
		d.Param = &param
	}
	writeErrorDoc(w, code, retryAfter, openAIErrorBody{Error: d})
}

// writeOpenAIError answers err in OpenAI's shape.
func writeOpenAIError(w http.ResponseWriter, err error) {
	writeOpenAIErrorCode(w, router.ErrorCode(err), router.ErrorMessage(err), 0)
}
