package chaos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/refmodel"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/azuritetest"
)

const apiKey = "chaos-key"

var routerBin, refmodelBin, modelScript string

// TestMain builds the router and the reference model, runs the scenarios
// and prints their table.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chaos-")
	if err != nil {
		panic(err)
	}
	routerBin, refmodelBin = filepath.Join(dir, "router"), filepath.Join(dir, "refmodel")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for bin, pkg := range map[string]string{routerBin: "router/cmd/router", refmodelBin: "refmodel/cmd/refmodel"} {
		build := exec.Command(gobin, "build", "-o", bin, "github.com/gpu-orchestration/gpu-orchestration/"+pkg)
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build", pkg, err)
			os.Exit(1)
		}
	}
	modelScript, _ = filepath.Abs("model.sh")
	code := m.Run()
	printTable(os.Stdout)
	os.RemoveAll(dir)
	os.Exit(code)
}

// row is one scenario's figures.
type row struct {
	name                                          string
	accepted, succeeded, failed, lost, duplicated int
}

var (
	tableMu sync.Mutex
	table   []row
)

func printTable(w io.Writer) {
	tableMu.Lock()
	defer tableMu.Unlock()
	if len(table) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%-38s %8s %9s %6s %5s %10s\n", "scenario", "accepted", "succeeded", "failed", "lost", "duplicated")
	for _, r := range table {
		fmt.Fprintf(w, "%-38s %8d %9d %6d %5d %10d\n", r.name, r.accepted, r.succeeded, r.failed, r.lost, r.duplicated)
	}
	if n := regionsSpilled.Load(); n > 0 {
		fmt.Fprintf(w, "two regions: %d of 32 realtime requests sent to A after its model died were answered by B\n", n)
	}
	if d := time.Duration(fleetTakeover.Load()); d > 0 {
		fmt.Fprintf(w, "fleet of 3: another router led %s after kill -9 of the leader\n", d.Round(100*time.Millisecond))
	}
}

// env is one scenario's world: Azurite, the realtime model, the run log.
type env struct {
	t       *testing.T
	az      *azuritetest.Server
	model   *httptest.Server // the realtime model
	infer   string
	runsLog string
	pids    string
}

func newEnv(t *testing.T, onDisk bool) *env {
	e := &env{t: t}
	if onDisk {
		e.az = azuritetest.StartOnDisk(t)
	} else {
		e.az = azuritetest.Start(t)
	}
	e.model = httptest.NewServer(refmodel.Handler("/infer"))
	t.Cleanup(e.model.Close)
	e.infer = e.model.URL + "/infer"
	dir := t.TempDir()
	e.runsLog, e.pids = filepath.Join(dir, "runs.log"), filepath.Join(dir, "pids")
	if err := os.Mkdir(e.pids, 0o700); err != nil {
		t.Fatal(err)
	}
	return e
}

// proc is a router process.
type proc struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{}
}

// start runs a router process; executor is "local" or "none", extra are
// more NAME=value settings.
func (e *env) start(executor string, extra ...string) *proc {
	e.t.Helper()
	return e.startAt(freeAddr(e.t), executor, extra...)
}

// freeAddr is a loopback address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startAt runs a router process listening on addr.
func (e *env) startAt(addr, executor string, extra ...string) *proc {
	e.t.Helper()
	cmd := exec.Command(routerBin)
	cmd.Env = append(os.Environ(),
		"ROUTER_ADDR="+addr, "ROUTER_API_KEY="+apiKey, "STORAGE_CONNECTION_STRING="+e.az.ConnectionString(),
		"INFERENCE_URL="+e.infer, "EXECUTOR="+executor, "LOCAL_BATCH_COMMAND=/bin/sh "+modelScript,
		"REFMODEL_BIN="+refmodelBin, "RUNS_LOG="+e.runsLog, "MODEL_PIDS="+e.pids,
		"DISPATCH_VISIBILITY=3s", "QUEUE_DEPTH_INTERVAL=200ms", "SHUTDOWN_TIMEOUT=5s", "LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, extra...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	p := &proc{url: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	e.t.Cleanup(func() {
		p.kill()
		if e.t.Failed() && testing.Verbose() {
			e.t.Logf("router logs:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(p.url + "/healthz"); err == nil {
			resp.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("router did not come up: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the router with SIGKILL, as a crash or an OOM kill would.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop ends the router with SIGTERM and waits for it.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
}

var client = &http.Client{Timeout: 20 * time.Second}

// submit POSTs a batch job with an Idempotency-Key and the given header
// pairs, retrying on anything but an acceptance until the deadline, as a
// careful client does. It returns the job id, or "" if the job was never
// accepted.
func submit(url, key, body string, until time.Time, headers ...string) string {
	for time.Now().Before(until) {
		req, _ := http.NewRequest("POST", url+"/v1/infer", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("X-Route", "batch")
		req.Header.Set("Idempotency-Key", key)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var acc struct{ ID string }
			if resp.StatusCode == 202 && json.Unmarshal(b, &acc) == nil {
				return acc.ID
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return ""
}

func getJob(url, id string) (router.Job, int) {
	req, _ := http.NewRequest("GET", url+"/v1/jobs/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := client.Do(req)
	if err != nil {
		return router.Job{}, 0
	}
	defer resp.Body.Close()
	var job router.Job
	_ = json.NewDecoder(resp.Body).Decode(&job)
	return job, resp.StatusCode
}

// tally waits until every accepted job is terminal or the deadline passes,
// and records the scenario's row: a job not terminal by then is lost;
// a job that completed more than one model run is duplicated.
func (e *env) tally(name string, url string, accepted []string, within time.Duration) row {
	e.t.Helper()
	r := row{name: name, accepted: len(accepted)}
	deadline := time.Now().Add(within)
	pending := append([]string(nil), accepted...)
	states := map[string]router.JobState{}
	for len(pending) > 0 && time.Now().Before(deadline) {
		var still []string
		for _, id := range pending {
			job, status := getJob(url, id)
			if status == 200 && job.State.Terminal() {
				states[id] = job.State
			} else {
				still = append(still, id)
			}
		}
		pending = still
		if len(pending) > 0 {
			time.Sleep(200 * time.Millisecond)
		}
	}
	runs := e.runs()
	for _, id := range accepted {
		switch states[id] {
		case router.JobSucceeded:
			r.succeeded++
		case router.JobFailed:
			r.failed++
		default:
			r.lost++
		}
		if runs[id] > 1 {
			r.duplicated++
		}
	}
	tableMu.Lock()
	table = append(table, r)
	tableMu.Unlock()
	e.t.Logf("%+v", r)
	if r.lost > 0 {
		sort.Strings(pending)
		e.t.Errorf("%s: %d accepted jobs lost (not finished within %s), e.g. %v", name, r.lost, within, pending[:min(3, len(pending))])
	}
	return r
}

// runs counts completed model runs per job id.
func (e *env) runs() map[string]int {
	b, _ := os.ReadFile(e.runsLog)
	n := map[string]int{}
	for _, id := range strings.Fields(string(b)) {
		n[id]++
	}
	return n
}

// killModel kill -9s one running model process, if any; it reports whether
// it found one.
func (e *env) killModel() bool {
	entries, _ := os.ReadDir(e.pids)
	for _, en := range entries {
		var pid int
		if _, err := fmt.Sscan(en.Name(), &pid); err == nil && pid > 0 {
			return syscall.Kill(pid, syscall.SIGKILL) == nil
		}
	}
	return false
}

// submitAll submits n jobs from workers concurrent clients; body(i) is job
// i's body, and every job is sent twice at once under its key when race is
// set (a retry racing the first attempt). fault, if set, runs once after
// the first tenth of the jobs were accepted.
func submitAll(url func() string, n, workers int, body func(int) string, race bool, until time.Time, fault func()) []string {
	ids := make([]string, n)
	var next, accepted int
	var mu sync.Mutex
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				key := fmt.Sprintf("job-%d-%d", i, time.Now().UnixNano())
				if race {
					var other string
					var rw sync.WaitGroup
					rw.Go(func() { other = submit(url(), key, body(i), until) })
					ids[i] = submit(url(), key, body(i), until)
					rw.Wait()
					if ids[i] == "" {
						ids[i] = other
					}
				} else {
					ids[i] = submit(url(), key, body(i), until)
				}
				mu.Lock()
				accepted++
				trigger := fault != nil && accepted == n/10
				mu.Unlock()
				if trigger {
					once.Do(fault)
				}
			}
		})
	}
	wg.Wait()
	var out []string
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

func chaosOn() bool { return os.Getenv("CHAOS") != "" }

// chaosOnly skips a scenario too long for `make test`.
func chaosOnly(t *testing.T) {
	if !chaosOn() {
		t.Skip("run with `make chaos` (CHAOS=1)")
	}
}

func readDir(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	return len(entries), err
}
