package http

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// maxIdempotencyKey bounds Idempotency-Key; longer keys are a client bug.
const maxIdempotencyKey = 255

// InferHeaders is what an inference request's headers say.
type InferHeaders struct {
	Request        router.Request
	IdempotencyKey string
	// Model is X-Model: the model, by name or alias ("" when the body names
	// it, or for the first model); Fallback is X-Model-Fallback.
	Model    string
	Fallback Fallback
	// Session is X-Session-Id: the caller's key for staying on one
	// revision of a model.
	Session string
}

// DecodeInferHeaders reads X-Route, X-Deadline-Ms, Idempotency-Key and the
// body length from an infer request. Errors: bad_header, payload_too_large.
func DecodeInferHeaders(h http.Header, contentLength, maxBody int64) (InferHeaders, error) {
	var out InferHeaders
	var err error
	if out.Request.Mode, err = router.ParseMode(h.Get("X-Route")); err != nil {
		return out, err
	}
	if out.Request.Deadline, err = router.ParseDeadline(h.Get("X-Deadline-Ms")); err != nil {
		return out, err
	}
	if k := h.Get("Idempotency-Key"); k != "" {
		if len(k) > maxIdempotencyKey || !printableASCII(k) {
			return out, router.Errorf(router.EBadHeader, "Idempotency-Key must be 1 to %d printable ASCII characters", maxIdempotencyKey)
		}
		out.IdempotencyKey = k
	}
	out.Model = h.Get("X-Model")
	if out.Session = h.Get("X-Session-Id"); len(out.Session) > maxIdempotencyKey {
		return out, router.Errorf(router.EBadHeader, "X-Session-Id must be at most %d characters", maxIdempotencyKey)
	}
	if out.Fallback, err = ParseFallback(h.Get("X-Model-Fallback")); err != nil {
		return out, err
	}
	if maxBody > 0 && contentLength > maxBody {
		return out, router.Errorf(router.EPayloadTooLarge, "body is %d bytes; the limit is %d", contentLength, maxBody)
	}
	out.Request.Size = contentLength
	return out, nil
}

// ReadJSONBody reads a whole body of at most maxBody bytes into buf and checks
// that it is one JSON value, which the batch contract requires.
// Errors: bad_request, payload_too_large.
func ReadJSONBody(body io.Reader, maxBody int64, buf *bytes.Buffer) ([]byte, error) {
	if _, err := buf.ReadFrom(io.LimitReader(body, maxBody+1)); err != nil {
		return nil, readError(err, maxBody)
	}
	if int64(buf.Len()) > maxBody {
		return nil, router.Errorf(router.EPayloadTooLarge, "body exceeds the limit of %d bytes", maxBody)
	}
	b := buf.Bytes()
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, router.Errorf(router.EBadRequest, "body is empty; send the model input as JSON")
	}
	if !json.Valid(b) {
		return nil, router.Errorf(router.EBadRequest, "body is not valid JSON")
	}
	return b, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
