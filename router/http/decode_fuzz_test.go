package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
)

// FuzzDecodeInfer feeds arbitrary headers and bodies to the request decoding.
// Whatever comes in, decoding must not panic, every error must carry one of
// the stable 4xx codes, and an accepted body must be one JSON value within
// the limit.
func FuzzDecodeInfer(f *testing.F) {
	f.Add("auto", "1500", "key-1", int64(7), []byte(`{"x":1}`))
	f.Add("batch", "", "", int64(-1), []byte(`[1,2,3]`))
	f.Add("realtime", "0", "", int64(2), []byte(`{}`))
	f.Add("REALTIME", "-1", "k\x00", int64(0), []byte(``))
	f.Add("", "99999999999999999999", strings.Repeat("k", 300), int64(1<<40), []byte(`{"a":`))
	f.Add("batch", "604800000", "é", int64(3), []byte("\"\xff\""))
	f.Add("auto", " 10", "k", int64(4), []byte(" null "))
	const maxBody = 256
	f.Fuzz(func(t *testing.T, mode, deadline, key string, contentLength int64, body []byte) {
		h := http.Header{}
		h.Set("X-Route", mode)
		h.Set("X-Deadline-Ms", deadline)
		h.Set("Idempotency-Key", key)
		ih, err := routerhttp.DecodeInferHeaders(h, contentLength, maxBody)
		if err != nil {
			code := router.ErrorCode(err)
			if st := routerhttp.StatusCode(code); st != 400 && st != 413 {
				t.Fatalf("header error %v maps to %d", err, st)
			}
		} else {
			if ih.Request.Mode > router.ModeBatch || ih.Request.Deadline < 0 || ih.Request.Deadline > router.MaxDeadline {
				t.Fatalf("decoded out-of-range request %+v", ih.Request)
			}
			if len(ih.IdempotencyKey) > 255 {
				t.Fatalf("accepted a %d-byte Idempotency-Key", len(ih.IdempotencyKey))
			}
		}
		var buf bytes.Buffer
		got, err := routerhttp.ReadJSONBody(bytes.NewReader(body), maxBody, &buf)
		if err != nil {
			if c := router.ErrorCode(err); c != router.EBadRequest && c != router.EPayloadTooLarge {
				t.Fatalf("body error code %q", c)
			}
			return
		}
		if len(got) > maxBody || !json.Valid(got) || !bytes.Equal(got, body) {
			t.Fatalf("accepted body %q", got)
		}
	})
}
