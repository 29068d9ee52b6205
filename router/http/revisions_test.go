package http_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
	"github.com/gpu-orchestration/gpu-orchestration/router/rollout"
)

// A canary that fails: each request it gets is answered by stable within
// its deadline, so callers see no error; the analysis rolls it back once
// it has its minimum of requests, and then it gets none.
func TestAFailingCanaryIsRetriedOnStableAndRolledBack(t *testing.T) {
	app := func(status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, `{"status":%d}`, status)
		}))
		t.Cleanup(srv.Close)
		return srv.URL + "/infer"
	}
	spec := config.Model{Name: "m", Key: "m", InferenceURL: app(200),
		Revisions: []config.Revision{{Name: "v1", InferenceURL: app(200), Weight: 50}, {Name: "v2", InferenceURL: app(500), Weight: 50}},
		Rollback:  &config.Rollback{MaxErrorRatio: 0.1, LatencyPercentile: 95, MaxLatencyRatio: 2, MinRequests: 10, WindowSeconds: 60},
	}
	key := sha256.Sum256([]byte(testKey))
	settings := live.NewSettings(router.DefaultSettings(), [][sha256.Size]byte{key})
	cat, err := models.New([]config.Model{spec}, settings)
	if err != nil {
		t.Fatal(err)
	}
	m := cat.Default()
	for _, r := range m.Revisions { // both apps up
		now := time.Now()
		r.Tracker.Begin(now)
		r.Tracker.End(now, time.Millisecond, 0, live.AnsweredWarm)
	}
	f := &fixture{}
	f.srv = httptest.NewServer(routerhttp.NewServer(routerhttp.Config{Settings: settings, Models: cat, Metrics: metrics.New(), MaxBodyBytes: 1 << 16}))
	t.Cleanup(f.srv.Close)

	answered := map[string]int{}
	for i := range 60 {
		resp, body := f.do(t, "POST", "/v1/infer", `{"text":"x"}`, "X-Route", "realtime", "X-Session-Id", fmt.Sprint("user-", i), "X-Deadline-Ms", "10000")
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s; a canary's failure reached the caller", i, resp.StatusCode, body)
		}
		answered[resp.Header.Get("X-Model-Revision")]++
	}
	if answered["v1"] != 60 {
		t.Fatalf("answered by %v; want every answer from stable v1", answered)
	}
	canary := m.Revision("v2").FleetWindow(time.Now())
	if canary.Requests < spec.Rollback.MinRequests || canary.Errors != canary.Requests {
		t.Fatalf("canary evidence %d requests, %d errors: want its failures counted (about half of 60)", canary.Requests, canary.Errors)
	}

	verdicts := (&rollout.Analyst{Models: cat, Log: discardLog()}).Once(t.Context())
	if v := verdicts["m"]; len(v) != 1 || !v[0].RollBack {
		t.Fatalf("verdicts %+v: want v2 rolled back", verdicts)
	}
	if m.Weight(m.Revision("v2")) != 0 {
		t.Fatal("the rolled-back canary keeps its weight")
	}
	resp, body := f.do(t, "GET", "/v1/rollouts", "")
	var status struct{ Data []routerhttp.RolloutStatus }
	if resp.StatusCode != 200 || json.Unmarshal(body, &status) != nil || len(status.Data) != 1 ||
		status.Data[0].Revisions[1].Verdict != routerhttp.VerdictRolledBack || status.Data[0].Revisions[0].Weight != 100 {
		t.Fatalf("rollouts: %d %s", resp.StatusCode, body)
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
