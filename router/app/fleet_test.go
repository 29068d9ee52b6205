package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/refmodel"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/azuritetest"
)

// Two router replicas on one storage account do each once-only duty once,
// as one router would: the pool's micro-batches, keep-warm and waking the
// app (the Batch API's manager runs with the dispatcher, on the leader).
// Each test names its replicas a and b and tells their work apart by the
// paths their calls take.

// hits counts requests to a shared fake inference app by path.
type hits struct {
	mu sync.Mutex
	n  map[string]int
}

func (h *hits) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[path]
}

// fleetApp serves the reference model under /a and /b, one prefix per
// replica, counting every request by path.
func fleetApp(t *testing.T) (string, *hits) {
	h := &hits{n: map[string]int{}}
	model := refmodel.Handler("/infer")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.n[r.Method+" "+r.URL.Path]++
		h.mu.Unlock()
		if i := strings.Index(r.URL.Path[1:], "/"); i >= 0 {
			r.URL.Path = r.URL.Path[i+1:]
		}
		model.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, h
}

// replicaEnv is replica name's environment: the app under /<name>, and its
// batch command tagged with its name.
func replicaEnv(conn, app, name string, extra map[string]string) map[string]string {
	env := localEnv(conn, app+"/"+name+"/infer")
	env["INFERENCE_OPENAI_URL"] = app + "/" + name + "/v1"
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// leaders counts the replicas that lead.
func leaders(rs ...*routerProc) int {
	n := 0
	for _, r := range rs {
		if r.app.fleet.Leading() {
			n++
		}
	}
	return n
}

func waitLeader(t *testing.T, rs ...*routerProc) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for leaders(rs...) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d leaders after 10 s, want 1", leaders(rs...))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Micro-batches run on one replica at a time: the pool never holds more
// tasks than max-batch-nodes (1 here), however many replicas queue work.
func TestFleetRunsThePoolsMicroBatchesOnce(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	app, _ := fleetApp(t)
	dir := t.TempDir()
	// Each run notes its start and end (ns) and its replica, and takes long
	// enough that two dispatchers' runs would overlap.
	script := filepath.Join(dir, "batch.sh")
	runs := filepath.Join(dir, "runs.log")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
start=$(date +%s%N); sleep 0.4; "$1" batch; rc=$?
echo "$2 $start $(date +%s%N)" >>"$3"; exit $rc
`), 0o755); err != nil {
		t.Fatal(err)
	}
	extra := func(name string) map[string]string {
		return map[string]string{"LOCAL_BATCH_COMMAND": strings.Join([]string{"sh", script, refmodelBin, name, runs}, " "),
			"MAX_BATCH_NODES": "1", "DISPATCH_BATCH_SIZE": "2", "DISPATCH_GATHER": "0s"}
	}
	a := startRouter(t, replicaEnv(az.ConnectionString(), app, "a", extra("a")))
	b := startRouter(t, replicaEnv(az.ConnectionString(), app, "b", extra("b")))
	waitLeader(t, a, b)
	var ids []string
	for i := range 12 {
		ids = append(ids, submit(t, []*routerProc{a, b}[i%2].url, fmt.Sprintf(`{"text":"job %d"}`, i)))
	}
	for i, id := range ids {
		wantPrediction(t, waitJob(t, a.url, id, time.Minute), fmt.Sprintf("job %d", i))
	}
	if most := overlap(t, runs); most != 1 {
		t.Fatalf("%d micro-batches ran at once across the replicas, want at most max-batch-nodes (1)", most)
	}
}

// overlap is the most runs of the log that were running at one time.
func overlap(t *testing.T, log string) int {
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	type edge struct {
		at    int64
		delta int
	}
	var edges []edge
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		start, _ := strconv.ParseInt(f[1], 10, 64)
		end, _ := strconv.ParseInt(f[2], 10, 64)
		edges = append(edges, edge{start, 1}, edge{end, -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		return edges[i].at < edges[j].at || (edges[i].at == edges[j].at && edges[i].delta < edges[j].delta)
	})
	most, now := 0, 0
	for _, e := range edges {
		now += e.delta
		most = max(most, now)
	}
	return most
}

// One keep-warm stream reaches the app, from the leader, on the fleet's
// urgent traffic — not one per replica.
func TestFleetKeepsTheAppWarmOnce(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	app, h := fleetApp(t)
	// The app was last seen up 15 s ago and cools at 40 s: keep-warm is due
	// at the first tick (router.KeepWarm), given urgent traffic.
	extra := map[string]string{"SCALE_DOWN_DELAY": "40s"}
	a := startRouter(t, replicaEnv(az.ConnectionString(), app, "a", extra))
	b := startRouter(t, replicaEnv(az.ConnectionString(), app, "b", extra))
	waitLeader(t, a, b)
	now := time.Now()
	for _, r := range []*routerProc{a, b} {
		tr := r.app.models.Default().Stable().Tracker
		tr.Pinged(now.Add(-15 * time.Second))
		for range 3 {
			tr.UrgentArrival(now)
		}
	}
	time.Sleep(17 * time.Second) // one keep-warm tick (router.KeepWarmInterval) and a margin
	if got := h.count("GET /a/infer") + h.count("GET /b/infer"); got != 1 {
		t.Fatalf("%d keep-warm requests reached the app (a %d, b %d), want 1", got, h.count("GET /a/infer"), h.count("GET /b/infer"))
	}
}

// A cold app refused to callers of both replicas is woken once.
func TestFleetWakesTheAppOnce(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	app, h := fleetApp(t)
	a := startRouter(t, replicaEnv(az.ConnectionString(), app, "a", nil))
	b := startRouter(t, replicaEnv(az.ConnectionString(), app, "b", nil))
	for _, r := range []*routerProc{a, b} {
		if status, body := call(t, "POST", r.url+"/v1/infer", `{"text":"now"}`, "X-Route", "realtime", "X-Deadline-Ms", "2000"); status != 503 {
			t.Fatalf("a cold app and a 2 s deadline: %d %s, want 503 cold_start_too_slow", status, body)
		}
	}
	time.Sleep(500 * time.Millisecond) // the wake-up is sent in the background
	if got := h.count("GET /a/v1/models") + h.count("GET /b/v1/models"); got != 1 {
		t.Fatalf("%d wake-up requests reached the app (a %d, b %d), want 1", got, h.count("GET /a/v1/models"), h.count("GET /b/v1/models"))
	}
}
