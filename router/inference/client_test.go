package inference_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/inference"
)

func TestInferMapsTheAppsAnswers(t *testing.T) {
	cases := []struct {
		status     int
		answer     string
		wantStatus string
		wantBody   string
		wantErr    string
	}{
		{200, `{"label":"positive"}`, "ok", `{"label":"positive"}`, ""},
		{200, `plain text`, "ok", `"plain text"`, ""},
		{422, `{"error":"no text"}`, "http_422", `{"error":"no text"}`, ""},
		{503, `busy`, "", "", router.EUnavailable},
		{429, `slow down`, "", "", router.EUnavailable},
		{408, ``, "", "", router.EUnavailable},
	}
	for _, c := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if b, _ := io.ReadAll(r.Body); string(b) != `{"text":"hi"}` || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("app got %q (%s)", b, r.Header.Get("Content-Type"))
			}
			w.WriteHeader(c.status)
			_, _ = io.WriteString(w, c.answer)
		}))
		line, err := (&inference.Client{URL: srv.URL + "/infer"}).Infer(t.Context(), []byte(`{"text":"hi"}`))
		srv.Close()
		if c.wantErr != "" {
			if router.ErrorCode(err) != c.wantErr {
				t.Errorf("%d: error %v, want %s (the pool runs the job)", c.status, err, c.wantErr)
			}
			continue
		}
		if err != nil || line.Status != c.wantStatus || string(line.Body) != c.wantBody {
			t.Errorf("%d %q: %+v, %v; want status %s body %s", c.status, c.answer, line, err, c.wantStatus, c.wantBody)
		}
	}
}

func TestInferUnreachableAppIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	if _, err := (&inference.Client{URL: url}).Infer(t.Context(), []byte(`{}`)); router.ErrorCode(err) != router.EUnavailable {
		t.Fatalf("error %v, want unavailable", err)
	}
}
