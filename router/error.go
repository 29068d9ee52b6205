package router

import (
	"errors"
	"fmt"
)

// Stable error codes. Users and their tooling match on these strings, so a
// code is never renamed; the http package alone maps codes to status codes.
const (
	EBadHeader           = "bad_header"           // a header is malformed
	EBadRequest          = "bad_request"          // the body or path is malformed
	EUnauthorized        = "unauthorized"         // missing or wrong API key
	ENotFound            = "not_found"            // no such job or path
	EModelNotFound       = "model_not_found"      // the request names a model this router does not serve
	EMethodNotAllowed    = "method_not_allowed"   // wrong HTTP method for the path
	EPayloadTooLarge     = "payload_too_large"    // body over the configured limit
	EHeaderTooLarge      = "header_too_large"     // request headers over the limit
	EIdempotencyConflict = "idempotency_conflict" // Idempotency-Key reused with another body
	EOverloaded          = "overloaded"           // shedding load; retry after Retry-After
	EUnavailable         = "unavailable"          // a dependency (queue, store, backend) is down
	EDeadlineUnmeetable  = "deadline_unmeetable"  // no route can answer within X-Deadline-Ms
	EBackendTimeout      = "backend_timeout"      // the inference app did not answer in time
	EInternal            = "internal"             // a bug; details are in the logs only
)

// ErrorCodes lists every code above, in declaration order: the API
// document, the status mapping and the OpenAI error types are tested
// against it, and a test keeps it equal to the declared constants.
var ErrorCodes = []string{
	EBadHeader, EBadRequest, EUnauthorized, ENotFound, EModelNotFound, EMethodNotAllowed, EPayloadTooLarge,
	EHeaderTooLarge, EIdempotencyConflict, EOverloaded, EUnavailable, EDeadlineUnmeetable,
	EBackendTimeout, EInternal,
}

// Error is a domain error with a stable code and a message meant for users.
type Error struct {
	Code    string
	Message string
	// Err is the underlying cause, for logs; it is never shown to users.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted user message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the code and message that keeps cause for logs.
func WrapError(code, message string, cause error) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil
// and EInternal for errors that carry no code.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user message of the first *Error in err's chain; an
// error without a code gets a generic message so internals never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
