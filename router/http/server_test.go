package http_test

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

const testKey = "test-key-123"

type fixture struct {
	srv     *httptest.Server
	backend *httptest.Server
	queue   *mem.Queue
	store   *mem.Store
	tracker *live.Tracker
	// seen is the last request the backend got.
	seen chan *http.Request
}

// newFixture starts a router in front of backend (nil: an echo backend).
// configure, if given, adjusts the server's configuration.
func newFixture(t testing.TB, backend http.HandlerFunc, tune func(*router.Settings), configure ...func(*routerhttp.Config)) *fixture {
	t.Helper()
	f := &fixture{queue: &mem.Queue{}, store: mem.NewStore(), tracker: &live.Tracker{}, seen: make(chan *http.Request, 16)}
	if backend == nil {
		backend = func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"echo":` + string(b) + `}`))
		}
	}
	f.backend = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case f.seen <- r.Clone(r.Context()):
		default:
		}
		backend(w, r)
	}))
	t.Cleanup(f.backend.Close)
	s := router.DefaultSettings()
	s.ModelVersion = "m-test"
	if tune != nil {
		tune(&s)
	}
	key := sha256.Sum256([]byte(testKey))
	settings := live.NewSettings(s, [][sha256.Size]byte{key})
	cat, err := models.One(f.backend.URL+"/infer", settings, f.tracker)
	if err != nil {
		t.Fatal(err)
	}
	cfg := routerhttp.Config{
		Settings:     settings,
		Models:       cat,
		Jobs:         &jobs.Service{Queue: f.queue, Store: f.store, Payloads: &mem.Blobs{}, RequestContainer: "requests"},
		Metrics:      metrics.New(),
		MaxBodyBytes: 1 << 16,
	}
	for _, c := range configure {
		c(&cfg)
	}
	f.srv = httptest.NewServer(routerhttp.NewServer(cfg))
	t.Cleanup(f.srv.Close)
	return f
}

// warm makes the router believe the inference app served an urgent request
// just now: a replica is up (work that may wait finds free slots only on
// the minimum replicas, router.State.FreeWarmSlot).
func (f *fixture) warm() {
	now := time.Now()
	f.tracker.Begin(now)
	f.tracker.BeginUrgent(now) // an urgent request keeps a replica up
	f.tracker.EndUrgent(now)
	f.tracker.End(now, 10*time.Millisecond, 0, live.AnsweredWarm)
}

func (f *fixture) do(t testing.TB, method, path, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// wantError asserts the status, the JSON error document and its code.
func wantError(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	// OpenAI's error document, every field present (param may be null).
	var doc struct {
		Error map[string]any
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("error body is not JSON: %s", body)
	}
	for _, k := range []string{"message", "type", "param", "code"} {
		if _, ok := doc.Error[k]; !ok {
			t.Fatalf("error %s lacks %q; want OpenAI's message, type, param, code", body, k)
		}
	}
	if doc.Error["code"] != code || doc.Error["message"] == "" || doc.Error["type"] != routerhttp.OpenAIErrorType(code) {
		t.Fatalf("error %s, want code %q, its type and a message", body, code)
	}
	if (status == 429 || status == 503) && resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%d without Retry-After", status)
	}
}

// Warning lines carry the id the router assigned (and answered with), not
// the caller's header, which is usually absent.
func TestWarningLogsCarryTheAssignedRequestID(t *testing.T) {
	logs := &logBuffer{}
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}, nil, func(c *routerhttp.Config) { c.Log = logs.logger() })
	f.warm()
	f.queue.Fail = true
	batch, _ := f.do(t, "POST", "/v1/infer", `{"k":"v"}`, "X-Route", "batch")
	realtime, _ := f.do(t, "POST", "/v1/infer", `{"k":"v"}`, "X-Route", "realtime")
	for name, resp := range map[string]*http.Response{"batch (logError)": batch, "realtime (proxy fail)": realtime} {
		id := resp.Header.Get("X-Request-Id")
		found := false
		for _, line := range strings.Split(logs.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) != nil || m["level"] != "WARN" {
				continue
			}
			found = found || m["request_id"] == id
		}
		if id == "" || !found {
			t.Errorf("%s: no warning line with request_id %q (the answer's X-Request-Id); logs:\n%s", name, id, logs.String())
		}
	}
}

// logBuffer collects a server's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }
