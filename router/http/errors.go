package http

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// statusOf maps the domain's error codes to HTTP status codes. This is the
// only place that does.
var statusOf = map[string]int{
	router.EBadHeader:           http.StatusBadRequest,
	router.EBadRequest:          http.StatusBadRequest,
	router.EUnauthorized:        http.StatusUnauthorized,
	router.ENotFound:            http.StatusNotFound,
	router.EModelNotFound:       http.StatusNotFound,
	router.EMethodNotAllowed:    http.StatusMethodNotAllowed,
	router.EPayloadTooLarge:     http.StatusRequestEntityTooLarge,
	router.EHeaderTooLarge:      http.StatusRequestHeaderFieldsTooLarge,
	router.EIdempotencyConflict: http.StatusUnprocessableEntity,
	router.EOverloaded:          http.StatusTooManyRequests,
	router.EUnavailable:         http.StatusServiceUnavailable,
	router.EDeadlineUnmeetable:  http.StatusServiceUnavailable,
	router.EBackendTimeout:      http.StatusGatewayTimeout,
	router.EInternal:            http.StatusInternalServerError,
}

// StatusCode returns the HTTP status for an error code.
func StatusCode(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is every error the router answers, on every path, before and
// after authentication: OpenAI's error document {"error": {"message",
// "type", "param", "code"}}, which OpenAI's clients parse, with the
// router's stable code in code (OpenAIErrorType gives type).
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// writeError answers with the JSON error document for err. retryAfter, when
// positive, becomes a Retry-After header in whole seconds (rounded up).
func writeError(w http.ResponseWriter, err error, retryAfter time.Duration) {
	code := router.ErrorCode(err)
	writeErrorCode(w, code, router.ErrorMessage(err), retryAfter)
}

func writeErrorCode(w http.ResponseWriter, code, message string, retryAfter time.Duration) {
	writeParamError(w, code, "", message, retryAfter)
}

// writeParamError is writeErrorCode naming the request field that was wrong.
func writeParamError(w http.ResponseWriter, code, param, message string, retryAfter time.Duration) {
	d := errorDetail{Message: message, Type: OpenAIErrorType(code), Code: code}
	if param != "" {
		d.Param = &param
	}
	writeErrorDoc(w, code, retryAfter, errorBody{Error: d})
}

// writeErrorDoc answers with the status of code, the headers every error
// carries, and doc as the body.
func writeErrorDoc(w http.ResponseWriter, code string, retryAfter time.Duration, doc any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	status := StatusCode(code)
	if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && retryAfter <= 0 {
		retryAfter = time.Second
	}
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((retryAfter+time.Second-1)/time.Second), 10))
	}
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="router"`)
	}
	b, _ := json.Marshal(doc)
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeErrorCode(w, router.EInternal, "internal error", 0)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
