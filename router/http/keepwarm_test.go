package http_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// Near the end of the cooldown, with urgent requests arriving often enough,
// the router sends the app one GET and then counts a replica as up; early
// in the cooldown it sends nothing.
func TestKeepWarmPingsNearTheEndOfTheCooldown(t *testing.T) {
	var gets atomic.Int64
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			gets.Add(1)
		}
		w.WriteHeader(http.StatusMethodNotAllowed)
	}))
	t.Cleanup(app.Close)
	s := router.DefaultSettings() // cold start 60 s, cooldown 300 s
	tr := &live.Tracker{}
	t0 := time.Unix(6_000_000, 0)
	tr.Begin(t0)
	tr.End(t0, time.Second, 0, live.AnsweredWarm)
	for range 3 {
		tr.UrgentArrival(t0) // about one urgent request a minute and a half
	}
	now := t0.Add(100 * time.Second)
	settings := live.NewSettings(s, nil)
	cat, err := models.One(app.URL+"/infer", settings, tr)
	if err != nil {
		t.Fatal(err)
	}
	srv := routerhttp.NewServer(routerhttp.Config{Settings: settings, Models: cat, Now: func() time.Time { return now }})
	if sent, err := srv.KeepWarmOnce(context.Background()); sent != 0 || err != nil || gets.Load() != 0 {
		t.Fatalf("100 s into a 300 s cooldown: sent %v, err %v, GETs %d; want none", sent, err, gets.Load())
	}
	now = t0.Add(280 * time.Second)
	if sent, err := srv.KeepWarmOnce(context.Background()); sent != 1 || err != nil || gets.Load() != 1 {
		t.Fatalf("280 s into the cooldown: sent %v, err %v, GETs %d; want one", sent, err, gets.Load())
	}
	if st := tr.Snapshot(now); st.Idle != 0 {
		t.Fatalf("after the keep-warm answer the app is idle for %v, want 0", st.Idle)
	}
}
