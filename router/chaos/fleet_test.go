package chaos

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/refmodel"
)

// Three routers on one Azurite act as one: micro-batches in flight never
// above max-batch-nodes, one keep-warm stream, every accepted job finished
// once — and after kill -9 of the leader another leads within the lease
// (router/fleet: 15 s plus a sync) while nothing is lost or run twice.
func TestFleetOfThreeRouters(t *testing.T) {
	chaosOnly(t)
	e := newEnv(t, false)
	var keepWarm keepWarmLog
	e.infer = keepWarm.serve(t)
	const maxNodes = 2
	settings := []string{fmt.Sprintf("MAX_BATCH_NODES=%d", maxNodes), "SCALE_DOWN_DELAY=40s", "DISPATCH_BATCH_SIZE=16", "DISPATCH_GATHER=0s"}
	routers := []*proc{e.start("local", settings...), e.start("local", settings...), e.start("local", settings...)}
	leader := waitForLeader(t, routers, nil, 30*time.Second)

	// Urgent traffic through every router: the fleet's rate keeps the app
	// warm, from the leader alone.
	for _, r := range routers {
		for range 5 {
			realtime(t, r.url)
		}
	}
	var most atomic.Int64
	stop := watchRuns(e, &most)
	alive := func() []*proc {
		var out []*proc
		for _, r := range routers {
			if r != leader {
				out = append(out, r)
			}
		}
		return out
	}
	slow := func(i int) string { return fmt.Sprintf(`{"text":"job %d","sleep_ms":100}`, i) }
	var n atomic.Int64
	url := func() string { return routers[n.Add(1)%3].url }
	ids := submitAll(url, 192, 8, slow, false, time.Now().Add(time.Minute), nil)
	waitRunning(t, e)

	leader.kill()
	killed := time.Now()
	next := waitForLeader(t, alive(), leader, 40*time.Second)
	takeover := time.Since(killed)
	t.Logf("takeover after kill -9 of the leader: %s", takeover.Round(100*time.Millisecond))
	fleetTakeover.Store(int64(takeover))

	r := e.tally("fleet of 3, kill -9 of the leader", next.url, ids, 3*time.Minute)
	stop()
	// The urgent traffic keeps the fleet warming the app for about two
	// minutes: wait for a few keep-warm requests to see how many streams.
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if _, n := keepWarm.closest(); n >= 3 {
			break
		}
	}
	if r.accepted != 192 || r.succeeded != 192 || r.duplicated != 0 {
		t.Errorf("%+v: want all 192 accepted and succeeded, none run twice", r)
	}
	if m := most.Load(); m > maxNodes {
		t.Errorf("%d micro-batches ran at once, above max-batch-nodes (%d)", m, maxNodes)
	}
	if gap, n := keepWarm.closest(); n < 2 || gap < 10*time.Second {
		t.Errorf("%d keep-warm requests, the closest %s apart: want one stream (one request per keep-warm tick at most)", n, gap)
	} else {
		t.Logf("keep-warm: %d requests, closest %s apart; micro-batches at once at most %d", n, gap.Round(time.Second), most.Load())
	}
}

// fleetTakeover is the measured takeover, and regionsSpilled the requests
// region B answered for A, printed with the table.
var fleetTakeover, regionsSpilled atomic.Int64

// keepWarmLog is the realtime model, noting when keep-warm requests (GETs
// of its endpoint) arrive.
type keepWarmLog struct {
	mu sync.Mutex
	at []time.Time
}

func (k *keepWarmLog) serve(t *testing.T) string {
	model := refmodel.Handler("/infer")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/infer" {
			k.mu.Lock()
			k.at = append(k.at, time.Now())
			k.mu.Unlock()
		}
		model.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/infer"
}

// closest is the shortest time between two keep-warm requests, and how
// many came.
func (k *keepWarmLog) closest() (time.Duration, int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	gap := time.Duration(1 << 62)
	for i := 1; i < len(k.at); i++ {
		gap = min(gap, k.at[i].Sub(k.at[i-1]))
	}
	return gap, len(k.at)
}

// watchRuns samples how many model runs are under way (their pid files)
// until stopped, keeping the most.
func watchRuns(e *env, most *atomic.Int64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if n, _ := readDir(e.pids); int64(n) > most.Load() {
				most.Store(int64(n))
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// waitForLeader waits until exactly one of routers (none of them not)
// reports leading in its metrics, and returns it.
func waitForLeader(t *testing.T, routers []*proc, not *proc, within time.Duration) *proc {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		var leaders []*proc
		for _, r := range routers {
			if r != not && leads(r.url) {
				leaders = append(leaders, r)
			}
		}
		if len(leaders) == 1 {
			return leaders[0]
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no single leader within %s", within)
	return nil
}

// leads reads router_fleet_leader from a router's metrics.
func leads(url string) bool {
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "router_fleet_leader ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "router_fleet_leader ")) == "1"
		}
	}
	return false
}

// realtime sends one urgent request and expects the model's answer.
func realtime(t *testing.T, url string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/v1/infer", strings.NewReader(`{"text":"now"}`))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("X-Route", "realtime")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("realtime request: %d", resp.StatusCode)
	}
}
