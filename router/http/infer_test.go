package http_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

func TestRealtimeProxiesAndFiltersHeaders(t *testing.T) {
	f := newFixture(t, nil, func(s *router.Settings) { s.MinReplicas = 1 }) // a free slot on the minimum replica
	f.warm()
	resp, body := f.do(t, "POST", "/v1/infer", `{"x":1}`, "X-Request-Id", "abc-1", "Cookie", "secret=1", "Content-Type", "application/json")
	if resp.StatusCode != 200 || string(body) != `{"echo":{"x":1}}` {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Route") != "realtime" || resp.Header.Get("X-Route-Reason") != string(router.ReasonWarmIdle) {
		t.Fatalf("route headers %q %q", resp.Header.Get("X-Route"), resp.Header.Get("X-Route-Reason"))
	}
	if resp.Header.Get("X-Request-Id") != "abc-1" {
		t.Fatalf("X-Request-Id %q, want the caller's", resp.Header.Get("X-Request-Id"))
	}
	got := <-f.seen
	if got.Header.Get("Authorization") != "" || got.Header.Get("Cookie") != "" {
		t.Fatalf("caller credentials reached the inference app: %v", got.Header)
	}
	if got.Header.Get("X-Model-Version") != "m-test" || got.Header.Get("X-Request-Id") != "abc-1" || got.URL.Path != "/infer" {
		t.Fatalf("backend saw path %s headers %v", got.URL.Path, got.Header)
	}
}

func TestRealtimeStreamsTheAnswer(t *testing.T) {
	release := make(chan struct{})
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("first\n"))
		w.(http.Flusher).Flush()
		<-release
		_, _ = w.Write([]byte("second\n"))
	}, func(s *router.Settings) { s.MinReplicas = 1 }) // a free slot on the minimum replica
	f.warm()
	req, _ := http.NewRequest("POST", f.srv.URL+"/v1/infer", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 6)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first\n" {
		t.Fatalf("first chunk %q, %v: the answer was not streamed", buf, err)
	}
	close(release)
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "second\n" {
		t.Fatalf("rest %q", rest)
	}
}

func TestColdAutoRequestBecomesBatchJob(t *testing.T) {
	f := newFixture(t, nil, nil)
	resp, body := f.do(t, "POST", "/v1/infer", `{"x":2}`)
	if resp.StatusCode != 202 || resp.Header.Get("X-Route-Reason") != string(router.ReasonBatchCheaper) {
		t.Fatalf("got %d %s reason %q", resp.StatusCode, body, resp.Header.Get("X-Route-Reason"))
	}
	var a struct {
		ID        string `json:"id"`
		StatusURL string `json:"status_url"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.ID == "" || a.StatusURL != "/v1/jobs/"+a.ID {
		t.Fatalf("202 body %s", body)
	}
	resp, body = f.do(t, "GET", a.StatusURL, "")
	var job router.Job
	if err := json.Unmarshal(body, &job); resp.StatusCode != 200 || err != nil || job.State != router.JobQueued {
		t.Fatalf("job: %d %s", resp.StatusCode, body)
	}
	if n, _ := f.queue.Depth(t.Context()); n != 1 {
		t.Fatalf("queue depth %d, want 1", n)
	}
}

func TestRefusedAutoRequestFallsBackToBatch(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
	}, func(s *router.Settings) { s.MinReplicas = 1 }) // a free slot on the minimum replica
	f.warm()
	body := `{"payload":"` + strings.Repeat("p", 40000) + `"}`
	resp, out := f.do(t, "POST", "/v1/infer", body)
	if resp.StatusCode != 202 || resp.Header.Get("X-Route-Reason") != string(router.ReasonRealtimeFailed) {
		t.Fatalf("got %d %s reason %q", resp.StatusCode, out, resp.Header.Get("X-Route-Reason"))
	}
	msgs, err := f.queue.Receive(t.Context(), 10, time.Minute)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("queue: %v %d", err, len(msgs))
	}
	var item router.WorkItem
	if err := json.Unmarshal(msgs[0].Body, &item); err != nil || string(item.Body) != body {
		t.Fatalf("queued body differs from the sent body (len %d vs %d)", len(item.Body), len(body))
	}
}

func TestUnreachableBackendFallsBackToBatch(t *testing.T) {
	f := newFixture(t, nil, nil)
	f.backend.Close()
	f.warm()
	resp, out := f.do(t, "POST", "/v1/infer", `{"k":"v"}`)
	if resp.StatusCode != 202 {
		t.Fatalf("got %d %s", resp.StatusCode, out)
	}
}

func TestBatchIdempotentReplay(t *testing.T) {
	f := newFixture(t, nil, nil)
	r1, b1 := f.do(t, "POST", "/v1/infer", `{"n":1}`, "X-Route", "batch", "Idempotency-Key", "same")
	r2, b2 := f.do(t, "POST", "/v1/infer", `{"n":1}`, "X-Route", "batch", "Idempotency-Key", "same")
	if r1.StatusCode != 202 || r2.StatusCode != 202 || string(b1) != string(b2) {
		t.Fatalf("replay: %d %s / %d %s", r1.StatusCode, b1, r2.StatusCode, b2)
	}
	if r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("replay not marked")
	}
	// The replay's own message is dropped, unrun, by the dispatcher, which
	// runs only the job the key is bound to (router/dispatch).
}

func TestHealthReadyMetrics(t *testing.T) {
	f := newFixture(t, nil, nil)
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, body := f.do(t, "GET", p, "", "Authorization", ""); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	f.do(t, "POST", "/v1/infer", `{}`, "X-Route", "batch")
	resp, body := f.do(t, "GET", "/metrics", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `router_requests_total{model="m-test",outcome="ok",reason="forced_batch",revision="stable",route="batch"} 1`) {
		t.Fatalf("metrics: %d\n%s", resp.StatusCode, body)
	}
	f.tracker.SetBatchDown(true)
	resp, body = f.do(t, "GET", "/readyz", "")
	wantError(t, resp, body, 503, router.EUnavailable)
}

// The first answer after a cold start took the cold start too: it must not
// become the model-time estimate, or every later request would look slow.
// The next answer, sent while a replica was known to be up, is a sample.
func TestRealtimeOnlyWarmAnswersFeedTheEstimate(t *testing.T) {
	f := newFixture(t, nil, nil)
	if resp, body := f.do(t, "POST", "/v1/infer", `{"x":1}`, "X-Route", "realtime"); resp.StatusCode != 200 {
		t.Fatalf("cold request: %d %s", resp.StatusCode, body)
	}
	st := f.settled(t)
	if st.RealtimeLatency != 0 {
		t.Fatalf("an answer to a request sent cold fed the estimate: %+v", st)
	}
	if !st.ReplicaUp(router.DefaultSettings()) {
		t.Fatalf("an answer must show a replica is up: %+v", st)
	}
	if resp, body := f.do(t, "POST", "/v1/infer", `{"x":2}`, "X-Route", "realtime"); resp.StatusCode != 200 {
		t.Fatalf("warm request: %d %s", resp.StatusCode, body)
	}
	if st := f.settled(t); st.RealtimeLatency <= 0 {
		t.Fatalf("an answer to a request sent warm did not feed the estimate: %+v", st)
	}
}

// settled waits until the router has finished its realtime calls (the
// caller may get the answer before the proxy records its end) and returns
// the tracker's state then.
func (f *fixture) settled(t *testing.T) router.State {
	t.Helper()
	for range 500 {
		if st := f.tracker.Snapshot(time.Now()); st.InFlight == 0 {
			return st
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("realtime calls still in flight after 5 s")
	return router.State{}
}

// /metrics is on the public ingress: without METRICS_PUBLIC it needs the API
// key (Prometheus sends it as a bearer token); health and readiness stay
// open for probes.
func TestMetricsNeedTheAPIKeyUnlessPublic(t *testing.T) {
	f := newFixture(t, nil, nil)
	for _, auth := range []string{"", "Bearer wrong-key"} {
		resp, body := f.do(t, "GET", "/metrics", "", "Authorization", auth)
		wantError(t, resp, body, 401, router.EUnauthorized)
		if strings.Contains(string(body), "router_") {
			t.Fatalf("a refused scrape saw metrics: %s", body)
		}
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, body := f.do(t, "GET", p, "", "Authorization", ""); resp.StatusCode != 200 {
			t.Fatalf("%s without a key: %d %s", p, resp.StatusCode, body)
		}
	}
	public := newFixture(t, nil, nil, func(c *routerhttp.Config) { c.MetricsPublic = true })
	if resp, body := public.do(t, "GET", "/metrics", "", "Authorization", ""); resp.StatusCode != 200 || !strings.Contains(string(body), "router_") {
		t.Fatalf("METRICS_PUBLIC: %d %s", resp.StatusCode, body)
	}
}

// Deployed, the API-key hashes exist only in Key Vault, and the first reads
// fail until the identity's role assignment applies: the router stays alive
// (/healthz 200) but not ready (/readyz 503, no request authenticates) until
// settings arrive, then becomes ready.
func TestNotReadyUntilSettingsArrive(t *testing.T) {
	settings := live.NewSettings(router.DefaultSettings(), nil)
	settings.AwaitSource()
	f := newFixture(t, nil, nil, func(c *routerhttp.Config) { c.Settings = settings })

	if resp, body := f.do(t, "GET", "/healthz", ""); resp.StatusCode != 200 {
		t.Fatalf("/healthz while settings are pending: %d %s", resp.StatusCode, body)
	}
	resp, body := f.do(t, "GET", "/readyz", "")
	wantError(t, resp, body, 503, router.EUnavailable)
	if !strings.Contains(string(body), "settings") {
		t.Fatalf("/readyz does not say why it is not ready: %s", body)
	}

	failing := secretSource(func() (map[string]string, error) {
		return nil, router.Errorf(router.EUnavailable, "403 from Key Vault")
	})
	if err := settings.Refresh(t.Context(), failing); err == nil {
		t.Fatal("refresh from a failing source succeeded")
	}
	if resp, body := f.do(t, "GET", "/readyz", ""); resp.StatusCode != 503 {
		t.Fatalf("/readyz after a failed read: %d %s", resp.StatusCode, body)
	}

	key := sha256.Sum256([]byte(testKey))
	ok := secretSource(func() (map[string]string, error) {
		return map[string]string{router.SecretAPIKeyHashes: hex.EncodeToString(key[:])}, nil
	})
	if err := settings.Refresh(t.Context(), ok); err != nil {
		t.Fatal(err)
	}
	if resp, body := f.do(t, "GET", "/readyz", ""); resp.StatusCode != 200 {
		t.Fatalf("/readyz after settings arrived: %d %s", resp.StatusCode, body)
	}
	if resp, body := f.do(t, "POST", "/v1/infer", `{}`, "X-Route", "batch"); resp.StatusCode != 202 {
		t.Fatalf("request with the key from Key Vault: %d %s", resp.StatusCode, body)
	}
}

type secretSource func() (map[string]string, error)

func (s secretSource) Secrets(context.Context, []string) (map[string]string, error) { return s() }

// A request in flight to a cold app is waiting for a cold start, not proof of
// a warm replica: a request with a deadline shorter than the rest of that
// start is refused at once instead of being sent to wait and be cut, and the
// first answer ends the start.
func TestColdStartUnderWayIsWaitedFor(t *testing.T) {
	release := make(chan struct{})
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		select { // bounded: a router that proxied the second request fails, not hangs
		case <-release:
		case <-time.After(10 * time.Second):
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}, nil)
	first := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", f.srv.URL+"/v1/infer", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("X-Route", "realtime")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-f.seen // the first request reached the cold app
	st := f.tracker.Snapshot(time.Now())
	if !st.ColdStarting || st.InFlight != 1 {
		t.Fatalf("one request sent to a cold app: %+v, want a cold start under way", st)
	}
	resp, body := f.do(t, "POST", "/v1/infer", `{}`, "X-Route", "realtime", "X-Deadline-Ms", "5000")
	wantError(t, resp, body, http.StatusServiceUnavailable, router.EDeadlineUnmeetable)
	if got := resp.Header.Get("X-Route-Reason"); got != string(router.ReasonColdStartTooSlow) {
		t.Fatalf("X-Route-Reason %q, want %s", got, router.ReasonColdStartTooSlow)
	}
	close(release)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("first request: status %d, want 200", code)
	}
	if st := f.tracker.Snapshot(time.Now()); st.ColdStarting || st.ColdStartLeft(router.DefaultSettings()) != 0 {
		t.Fatalf("after the first answer: %+v, want a replica up", st)
	}
}

// A refusal for a cold app starts it: refused requests never reach the app,
// so a stream of deadlines shorter than a cold start would otherwise keep it
// cold for good.
func TestColdRefusalWakesTheApp(t *testing.T) {
	f := newFixture(t, nil, nil)
	resp, body := f.do(t, "POST", "/v1/infer", `{"x":1}`, "X-Route", "realtime", "X-Deadline-Ms", "2000")
	if resp.StatusCode != 503 || resp.Header.Get("X-Route-Reason") != string(router.ReasonColdStartTooSlow) || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d %s reason %q", resp.StatusCode, body, resp.Header.Get("X-Route-Reason"))
	}
	select {
	case got := <-f.seen:
		if got.Method != http.MethodGet {
			t.Fatalf("wake request %s %s, want a GET", got.Method, got.URL.Path)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the refusal did not wake the app")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, _ = f.do(t, "POST", "/v1/infer", `{"x":1}`, "X-Route", "realtime", "X-Deadline-Ms", "2000")
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retry still %d after the wake", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
