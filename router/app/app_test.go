package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/refmodel"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/azuritetest"
)

const apiKey = "e2e-key"

// refmodelBin is the reference model built once for the local executor.
var refmodelBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "refmodel-")
	if err != nil {
		panic(err)
	}
	refmodelBin = filepath.Join(dir, "refmodel")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", refmodelBin, "github.com/gpu-orchestration/gpu-orchestration/refmodel/cmd/refmodel")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build refmodel:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// routerProc is a router running in the test process, wired by New from
// environment variables exactly as the binary is.
type routerProc struct {
	url  string
	app  *App
	stop func()
}

func startRouter(t *testing.T, env map[string]string) *routerProc {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	var once sync.Once
	p := &routerProc{url: "http://" + ln.Addr().String(), app: a, stop: func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("router shutdown: %v", err)
			}
		})
	}}
	t.Cleanup(p.stop)
	return p
}

// localEnv is the environment of the local run against az, with the
// reference model at inferenceURL.
func localEnv(connString, inferenceURL string) map[string]string {
	return map[string]string{
		"ROUTER_API_KEY": apiKey, "STORAGE_CONNECTION_STRING": connString, "INFERENCE_URL": inferenceURL,
		"EXECUTOR": "local", "LOCAL_BATCH_COMMAND": refmodelBin + " batch",
		"DISPATCH_VISIBILITY": "2s", "QUEUE_DEPTH_INTERVAL": "200ms", "SHUTDOWN_TIMEOUT": "5s",
		"DRAIN_PERIOD": "0s",
	}
}

func refmodelServer(t *testing.T) string {
	srv := httptest.NewServer(refmodel.Handler("/infer"))
	t.Cleanup(srv.Close)
	return srv.URL + "/infer"
}

func call(t *testing.T, method, url, body string, headers ...string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func submit(t *testing.T, base, body string) string {
	t.Helper()
	status, b := call(t, "POST", base+"/v1/infer", body, "X-Route", "batch")
	var acc struct{ ID string }
	if status != 202 || json.Unmarshal(b, &acc) != nil || acc.ID == "" {
		t.Fatalf("submit: %d %s", status, b)
	}
	return acc.ID
}

// waitJob polls the job until it is terminal.
func waitJob(t *testing.T, base, id string, within time.Duration) router.Job {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		status, b := call(t, "GET", base+"/v1/jobs/"+id, "")
		var job router.Job
		if status == 200 && json.Unmarshal(b, &job) == nil && job.State.Terminal() {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s not finished within %s: %d %s", id, within, status, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func wantPrediction(t *testing.T, job router.Job, text string) {
	t.Helper()
	var got refmodel.Output
	if job.State != router.JobSucceeded || json.Unmarshal(job.Result, &got) != nil || got != refmodel.Predict(refmodel.Input{Text: text}) {
		t.Fatalf("job %s: %s %s, want the model's answer for %q", job.ID, job.State, job.Result, text)
	}
}

func TestEndToEndLocalRun(t *testing.T) {
	az := azuritetest.Start(t)
	r := startRouter(t, localEnv(az.ConnectionString(), refmodelServer(t)))

	status, b := call(t, "POST", r.url+"/v1/infer", `{"text":"realtime hello"}`, "X-Route", "realtime")
	var rt refmodel.Output
	if status != 200 || json.Unmarshal(b, &rt) != nil || rt != refmodel.Predict(refmodel.Input{Text: "realtime hello"}) {
		t.Fatalf("realtime: %d %s", status, b)
	}
	small := submit(t, r.url, `{"text":"batch hello"}`)
	long := strings.Repeat("large payload ", 20000) // 280 KB: travels through a blob
	large := submit(t, r.url, `{"text":"`+long+`"}`)
	bad := submit(t, r.url, `{"not_text":1}`)
	wantPrediction(t, waitJob(t, r.url, small, time.Minute), "batch hello")
	wantPrediction(t, waitJob(t, r.url, large, time.Minute), long)
	if job := waitJob(t, r.url, bad, time.Minute); job.State != router.JobFailed || job.ResultStatus != refmodel.StatusBadInput {
		t.Fatalf("bad input job: %+v", job)
	}
}

// A batch job whose deadline the pool would miss (a fresh router expects
// the pool's default 10 minutes) runs on the inference app: answered 202 as
// a job, finished by the app, never run on the pool.
func TestExpeditedJobEndToEnd(t *testing.T) {
	az := azuritetest.Start(t)
	r := startRouter(t, localEnv(az.ConnectionString(), refmodelServer(t)))
	req, _ := http.NewRequest("POST", r.url+"/v1/infer", strings.NewReader(`{"text":"soon, please"}`))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("X-Route", "batch")
	req.Header.Set("X-Deadline-Ms", "300000")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var acc struct{ ID string }
	if resp.StatusCode != 202 || json.Unmarshal(b, &acc) != nil || resp.Header.Get("X-Route-Reason") != string(router.ReasonBatchExpedited) {
		t.Fatalf("submit: %d %s (%s), want 202 and %s", resp.StatusCode, b, resp.Header.Get("X-Route-Reason"), router.ReasonBatchExpedited)
	}
	wantPrediction(t, waitJob(t, r.url, acc.ID, 30*time.Second), "soon, please")
	_, metrics := call(t, "GET", r.url+"/metrics", "")
	if !strings.Contains(string(metrics), `router_batch_runs_total{outcome="expedited"} 1`) || strings.Contains(string(metrics), `router_batch_runs_total{outcome="succeeded"}`) {
		t.Fatalf("want one expedited run and no pool run:\n%s", grepLines(string(metrics), "router_batch_runs_total"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

func TestRestartMidBatchLosesNothing(t *testing.T) {
	az := azuritetest.Start(t)
	env := localEnv(az.ConnectionString(), refmodelServer(t))
	first := startRouter(t, env)
	texts := map[string]string{}
	for i := range 6 {
		text := fmt.Sprintf("job %d", i)
		texts[submit(t, first.url, fmt.Sprintf(`{"text":%q,"sleep_ms":1500}`, text))] = text
	}
	// Stop the router while the batch runs.
	deadline := time.Now().Add(30 * time.Second)
	for running := false; !running; {
		for id := range texts {
			_, b := call(t, "GET", first.url+"/v1/jobs/"+id, "")
			running = running || strings.Contains(string(b), `"status":"running"`)
		}
		if time.Now().After(deadline) {
			t.Fatal("no job started running")
		}
		time.Sleep(50 * time.Millisecond)
	}
	first.stop()

	second := startRouter(t, env)
	for id, text := range texts {
		wantPrediction(t, waitJob(t, second.url, id, 90*time.Second), text)
	}
}

func TestQueueFaultNeverAccepts(t *testing.T) {
	az := azuritetest.Start(t)
	queue := azuritetest.NewProxy(t, az.QueueAddr())
	r := startRouter(t, localEnv(az.ConnectionStringVia(queue.Addr()), refmodelServer(t)))
	var accepted []string
	for i := range 5 {
		accepted = append(accepted, submit(t, r.url, fmt.Sprintf(`{"text":"before %d"}`, i)))
	}
	queue.Cut()
	for i := range 5 {
		status, b := call(t, "POST", r.url+"/v1/infer", fmt.Sprintf(`{"text":"during %d"}`, i), "X-Route", "batch")
		if status != 503 || !strings.Contains(string(b), `"code":"unavailable"`) {
			t.Fatalf("batch request with the queue unreachable: %d %s, want 503 unavailable", status, b)
		}
	}
	queue.Restore()
	for i, id := range accepted {
		wantPrediction(t, waitJob(t, r.url, id, time.Minute), fmt.Sprintf("before %d", i))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if status, _ := call(t, "POST", r.url+"/v1/infer", `{"text":"after"}`, "X-Route", "batch"); status == 202 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("batch requests still refused after the queue came back")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	az := azuritetest.Start(t)
	entered := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		time.Sleep(time.Second)
		_, _ = io.WriteString(w, `{"done":true}`)
	}))
	defer slow.Close()
	r := startRouter(t, localEnv(az.ConnectionString(), slow.URL+"/infer"))
	type result struct {
		status int
		body   []byte
	}
	got := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", r.url+"/v1/infer", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("X-Route", "realtime")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- result{status: -1, body: []byte(err.Error())}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{resp.StatusCode, b}
	}()
	<-entered
	r.stop() // returns once the server has shut down
	res := <-got
	if res.status != 200 || string(res.body) != `{"done":true}` {
		t.Fatalf("request in flight at shutdown: %d %s", res.status, res.body)
	}
	if _, err := http.Get(r.url + "/healthz"); err == nil {
		t.Fatal("the router still accepts connections after shutdown")
	}
}

// After the stop signal the router answers /readyz "not ready" for the
// drain period while still serving, and only then refuses connections.
func TestShutdownDrainsBeforeClosing(t *testing.T) {
	az := azuritetest.Start(t)
	env := localEnv(az.ConnectionString(), refmodelServer(t))
	env["DRAIN_PERIOD"] = "1500ms"
	r := startRouter(t, env)
	if status, _ := call(t, "GET", r.url+"/readyz", ""); status != 200 {
		t.Fatalf("readyz before shutdown: %d", status)
	}
	stopped := make(chan struct{})
	go func() { r.stop(); close(stopped) }()
	time.Sleep(300 * time.Millisecond)
	resp, err := http.Get(r.url + "/readyz")
	if err != nil {
		t.Fatalf("readyz 0.3 s after the stop signal: %v; want 503 while draining", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("readyz while draining: %d, want 503", resp.StatusCode)
	}
	if status, b := call(t, "POST", r.url+"/v1/infer", `{"text":"late"}`, "X-Route", "batch"); status != 202 {
		t.Fatalf("a request while draining: %d %s, want it still served", status, b)
	}
	select {
	case <-stopped:
		t.Fatal("the router stopped before its drain period ended")
	case <-time.After(500 * time.Millisecond):
	}
	<-stopped
	if _, err := http.Get(r.url + "/healthz"); err == nil {
		t.Fatal("the router still accepts connections after the drain and shutdown")
	}
}
