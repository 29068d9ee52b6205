package http_test

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// region is one region's router with its own app, queue and job store.
type region struct {
	*fixture
	name    string
	tracker *live.Tracker
	app     *httptest.Server
}

// twoRegions starts routers a and b, each the other's peer, with the given
// spill-over and front door.
func twoRegions(t *testing.T, spillover bool, frontDoor string) (a, b *region) {
	t.Helper()
	start := func(name string) (*region, *routerhttp.Config) {
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"app":"` + name + `"}`))
		}))
		t.Cleanup(app.Close)
		key := sha256.Sum256([]byte(testKey))
		settings := live.NewSettings(router.DefaultSettings(), [][sha256.Size]byte{key})
		rg := &region{fixture: &fixture{queue: &mem.Queue{}, store: mem.NewStore()}, name: name, tracker: &live.Tracker{}, app: app}
		cat, err := models.One(app.URL+"/infer", settings, rg.tracker)
		if err != nil {
			t.Fatal(err)
		}
		cfg := &routerhttp.Config{Settings: settings, Models: cat, Metrics: metrics.New(), MaxBodyBytes: 1 << 16,
			Jobs:   &jobs.Service{Queue: rg.queue, Store: rg.store, Payloads: &mem.Blobs{}, RequestContainer: "requests", Region: name},
			Region: name, Spillover: spillover, FrontDoorID: frontDoor}
		return rg, cfg
	}
	a, cfgA := start("regiona")
	b, cfgB := start("regionb")
	// Each needs the other's address before it starts: a handler that
	// waits for its server.
	var srvA, srvB http.Handler
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srvA.ServeHTTP(w, r) }))
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srvB.ServeHTTP(w, r) }))
	t.Cleanup(a.srv.Close)
	t.Cleanup(b.srv.Close)
	ua, _ := url.Parse(a.srv.URL)
	ub, _ := url.Parse(b.srv.URL)
	cfgA.Peers = []routerhttp.Peer{{Region: "regionb", URL: ub}}
	cfgB.Peers = []routerhttp.Peer{{Region: "regiona", URL: ua}}
	srvA, srvB = routerhttp.NewServer(*cfgA), routerhttp.NewServer(*cfgB)
	return a, b
}

func (rg *region) warm() {
	now := time.Now()
	rg.tracker.Begin(now)
	rg.tracker.End(now, 10*time.Millisecond, 0, live.AnsweredWarm)
}

// A realtime request its region cannot answer in its deadline (the app is
// cold) is answered by a warm peer region when the stack allows it and the
// caller does not deny it; otherwise the region's refusal stands.
func TestSpillOverToAWarmPeerRegion(t *testing.T) {
	for _, c := range []struct {
		name      string
		spillover bool
		deny      string
		want      int
		region    string
	}{
		{"allowed", true, "", 200, "regionb"},
		{"the stack keeps data in its region", false, "", 503, "regiona"},
		{"the caller denies it", true, "deny", 503, "regiona"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := twoRegions(t, c.spillover, "")
			b.warm()
			resp, body := a.do(t, "POST", "/v1/infer", `{"text":"x"}`, "X-Route", "realtime", "X-Deadline-Ms", "5000", "X-Region-Spillover", c.deny)
			if resp.StatusCode != c.want || resp.Header.Get("X-Region") != c.region || len(resp.Header.Values("X-Route")) != 1 {
				t.Fatalf("%d %s from %q (X-Route %v); want %d from %s", resp.StatusCode, body, resp.Header.Get("X-Region"), resp.Header.Values("X-Route"), c.want, c.region)
			}
		})
	}
}

// A realtime call that fails in its region (the app is gone) is answered by
// a peer region, within the deadline.
func TestAFailedCallSpillsOverToAPeerRegion(t *testing.T) {
	a, b := twoRegions(t, true, "")
	a.warm()
	b.warm()
	a.app.Close()
	resp, body := a.do(t, "POST", "/v1/infer", `{"text":"x"}`, "X-Route", "realtime", "X-Deadline-Ms", "5000")
	if resp.StatusCode != 200 || resp.Header.Get("X-Region") != "regionb" || string(body) != `{"app":"regionb"}` {
		t.Fatalf("%d %s from %q; want regionb's answer", resp.StatusCode, body, resp.Header.Get("X-Region"))
	}
	b.app.Close()
	resp, body = a.do(t, "POST", "/v1/infer", `{"text":"x"}`, "X-Route", "realtime", "X-Deadline-Ms", "5000")
	if resp.StatusCode != 503 || resp.Header.Get("X-Region") != "regiona" {
		t.Fatalf("both apps gone: %d %s from %q; want regiona's 503", resp.StatusCode, body, resp.Header.Get("X-Region"))
	}
}

// A job accepted in one region is read through any other.
func TestAJobIsReadableFromAnyRegion(t *testing.T) {
	a, b := twoRegions(t, false, "")
	resp, body := a.do(t, "POST", "/v1/infer", `{"text":"later"}`, "X-Route", "batch")
	var acc struct{ ID string }
	if resp.StatusCode != 202 || json.Unmarshal(body, &acc) != nil || router.IDRegion(acc.ID) != "regiona" {
		t.Fatalf("accept: %d %s; want a job id of regiona", resp.StatusCode, body)
	}
	resp, body = b.do(t, "GET", "/v1/jobs/"+acc.ID, "")
	var job router.Job
	if resp.StatusCode != 200 || json.Unmarshal(body, &job) != nil || job.ID != acc.ID || resp.Header.Get("X-Region") != "regiona" ||
		len(resp.Header.Values("X-Request-Id")) != 1 {
		t.Fatalf("read through regionb: %d %s (X-Region %q)", resp.StatusCode, body, resp.Header.Get("X-Region"))
	}
	if resp, body := b.do(t, "GET", "/v1/jobs/regionb-00000000000000000000000000000000", ""); resp.StatusCode != 404 {
		t.Fatalf("an unknown job of regionb: %d %s", resp.StatusCode, body)
	}
}

// Locked to a front door, the router answers only requests carrying its id;
// the platform's health probes still reach it.
func TestFrontDoorLock(t *testing.T) {
	a, _ := twoRegions(t, false, "fd-1234")
	if resp, body := a.do(t, "GET", "/v1/models", ""); resp.StatusCode != 403 {
		t.Fatalf("without X-Azure-FDID: %d %s, want 403", resp.StatusCode, body)
	}
	if resp, body := a.do(t, "GET", "/v1/models", "", "X-Azure-FDID", "fd-other"); resp.StatusCode != 403 {
		t.Fatalf("another front door: %d %s, want 403", resp.StatusCode, body)
	}
	if resp, body := a.do(t, "GET", "/v1/models", "", "X-Azure-FDID", "fd-1234"); resp.StatusCode != 200 {
		t.Fatalf("through the front door: %d %s", resp.StatusCode, body)
	}
	if resp, _ := a.do(t, "GET", "/healthz", ""); resp.StatusCode != 200 {
		t.Fatalf("health probe: %d", resp.StatusCode)
	}
}
