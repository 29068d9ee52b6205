package http

import (
	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// openAITypeOf is the error type an OpenAI client sees for each code.
var openAITypeOf = map[string]string{
	router.EBadHeader:           "invalid_request_error",
	router.EBadRequest:          "invalid_request_error",
	router.EUnauthorized:        "authentication_error",
	router.ENotFound:            "invalid_request_error",
	router.EModelNotFound:       "invalid_request_error",
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
