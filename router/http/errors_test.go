package http_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
)

func TestErrorCodes(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // then the server notices the router hanging up
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	big := strings.Repeat("x", 1<<16+1)
	tests := []struct {
		name    string
		backend http.HandlerFunc
		setup   func(*fixture)
		method  string
		path    string
		body    string
		headers []string
		status  int
		code    string
	}{
		{"bad X-Route", nil, nil, "POST", "/v1/infer", `{}`, []string{"X-Route", "fast"}, 400, router.EBadHeader},
		{"bad X-Deadline-Ms", nil, nil, "POST", "/v1/infer", `{}`, []string{"X-Deadline-Ms", "soon"}, 400, router.EBadHeader},
		{"bad Idempotency-Key", nil, nil, "POST", "/v1/infer", `{}`, []string{"X-Route", "batch", "Idempotency-Key", "caf\xc3\xa9"}, 400, router.EBadHeader},
		{"batch body not JSON", nil, nil, "POST", "/v1/infer", `{"a":`, []string{"X-Route", "batch"}, 400, router.EBadRequest},
		{"batch body empty", nil, nil, "POST", "/v1/infer", ``, []string{"X-Route", "batch"}, 400, router.EBadRequest},
		{"no key", nil, nil, "POST", "/v1/infer", `{}`, []string{"Authorization", ""}, 401, router.EUnauthorized},
		{"wrong key", nil, nil, "POST", "/v1/infer", `{}`, []string{"Authorization", "Bearer nope"}, 401, router.EUnauthorized},
		{"basic auth", nil, nil, "GET", "/v1/jobs/0123456789abcdef0123456789abcdef", ``, []string{"Authorization", "Basic " + testKey}, 401, router.EUnauthorized},
		{"unknown path", nil, nil, "GET", "/v2/infer", ``, nil, 404, router.ENotFound},
		{"unknown job", nil, nil, "GET", "/v1/jobs/0123456789abcdef0123456789abcdef", ``, nil, 404, router.ENotFound},
		{"malformed job id", nil, nil, "GET", "/v1/jobs/..%2f..%2fsecret", ``, nil, 404, router.ENotFound},
		{"GET infer", nil, nil, "GET", "/v1/infer", ``, nil, 405, router.EMethodNotAllowed},
		{"DELETE job", nil, nil, "DELETE", "/v1/jobs/0123456789abcdef0123456789abcdef", ``, nil, 405, router.EMethodNotAllowed},
		{"POST healthz", nil, nil, "POST", "/healthz", ``, nil, 405, router.EMethodNotAllowed},
		{"body over limit, batch", nil, nil, "POST", "/v1/infer", `"` + big + `"`, []string{"X-Route", "batch"}, 413, router.EPayloadTooLarge},
		{"body over limit, realtime", nil, (*fixture).warm, "POST", "/v1/infer", `"` + big + `"`, []string{"X-Route", "realtime"}, 413, router.EPayloadTooLarge},
		{"queue unreachable", nil, func(f *fixture) { f.queue.Fail = true }, "POST", "/v1/infer", `{}`, []string{"X-Route", "batch"}, 503, router.EUnavailable},
		{"cold start misses deadline", nil, nil, "POST", "/v1/infer", `{}`, []string{"X-Route", "realtime", "X-Deadline-Ms", "5000"}, 503, router.EDeadlineUnmeetable},
		{"realtime saturated", nil, func(f *fixture) {
			for range 40 { // DefaultSettings: 4 replicas × 10 concurrent requests
				f.tracker.Begin(time.Now())
			}
		}, "POST", "/v1/infer", `{}`, []string{"X-Route", "realtime"}, 429, router.EOverloaded},
		{"backend down, forced realtime", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }, (*fixture).warm,
			"POST", "/v1/infer", `{}`, []string{"X-Route", "realtime"}, 503, router.EUnavailable},
		{"backend too slow for deadline", slow, (*fixture).warm, "POST", "/v1/infer", `{}`, []string{"X-Route", "realtime", "X-Deadline-Ms", "1500"}, 504, router.EBackendTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.backend, func(s *router.Settings) { s.RealtimeLatency = 100 * time.Millisecond })
			if tt.setup != nil {
				tt.setup(f)
			}
			resp, body := f.do(t, tt.method, tt.path, tt.body, tt.headers...)
			wantError(t, resp, body, tt.status, tt.code)
			if tt.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
			if tt.status == 405 && resp.Header.Get("Allow") == "" {
				t.Fatal("405 without Allow")
			}
		})
	}
}

func TestIdempotencyConflict(t *testing.T) {
	f := newFixture(t, nil, nil)
	resp, body := f.do(t, "POST", "/v1/infer", `{"n":1}`, "X-Route", "batch", "Idempotency-Key", "k1")
	if resp.StatusCode != 202 {
		t.Fatalf("first: %d %s", resp.StatusCode, body)
	}
	resp, body = f.do(t, "POST", "/v1/infer", `{"n":2}`, "X-Route", "batch", "Idempotency-Key", "k1")
	wantError(t, resp, body, 422, router.EIdempotencyConflict)
}

func TestEveryStatusMapsFromOneCode(t *testing.T) {
	// Every code a user can see has a status other than 500, except
	// internal, and an OpenAI error type that matches its status class.
	for _, code := range router.ErrorCodes {
		st := routerhttp.StatusCode(code)
		if (st == 500) != (code == router.EInternal) {
			t.Errorf("code %s maps to %d", code, st)
		}
		want := "invalid_request_error"
		switch {
		case st == 401:
			want = "authentication_error"
		case st == 429:
			want = "rate_limit_error"
		case st >= 500:
			want = "server_error"
		}
		if got := routerhttp.OpenAIErrorType(code); got != want {
			t.Errorf("code %s (%d): OpenAI error type %s, want %s", code, st, got, want)
		}
	}
	if st := routerhttp.StatusCode("no_such_code"); st != 500 {
		t.Errorf("unknown code maps to %d", st)
	}
}

// Headers over the limit get the API's JSON error, not net/http's plain text
// (which the server still sends above ServerMaxHeaderBytes).
func TestOversizedHeadersGetTheJSONError(t *testing.T) {
	f := newFixture(t, nil, nil)
	srv := httptest.NewUnstartedServer(f.srv.Config.Handler)
	srv.Config.MaxHeaderBytes = routerhttp.ServerMaxHeaderBytes
	srv.Start()
	t.Cleanup(srv.Close)
	f.srv = srv
	resp, body := f.do(t, "POST", "/v1/infer", `{}`, "X-Route", "batch", "X-Padding", strings.Repeat("a", routerhttp.MaxHeaderBytes))
	wantError(t, resp, body, 431, router.EHeaderTooLarge)
}

// Every error has OpenAI's full shape, also before authentication and on
// paths the router does not serve (OpenAI's clients read type and param).
func TestErrorsHaveOpenAIShapeOnEveryPath(t *testing.T) {
	f := newFixture(t, nil, nil)
	for _, c := range []struct {
		method, path string
		headers      []string
		status       int
		code         string
	}{
		{"POST", "/v1/responses", []string{"Authorization", ""}, 404, router.ENotFound},
		{"POST", "/v1/audio/speech", nil, 404, router.ENotFound},
		{"GET", "/v2/models", []string{"Authorization", ""}, 404, router.ENotFound},
		{"GET", "/v1/files", []string{"Authorization", ""}, 404, router.ENotFound}, // no Batch API in this fixture
		{"GET", "/v1/models", []string{"Authorization", ""}, 401, router.EUnauthorized},
		{"POST", "/v1/infer", []string{"Authorization", ""}, 401, router.EUnauthorized},
		{"DELETE", "/v1/infer", nil, 405, router.EMethodNotAllowed},
		{"GET", "/v1/infer", []string{"X-Pad", strings.Repeat("x", routerhttp.MaxHeaderBytes)}, 431, router.EHeaderTooLarge},
	} {
		resp, body := f.do(t, c.method, c.path, "", c.headers...)
		wantError(t, resp, body, c.status, c.code)
	}
}
