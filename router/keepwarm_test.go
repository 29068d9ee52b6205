package router_test

import (
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Keeping a replica warm pays when urgent requests come more often than a
// wake-up costs (cold start + cooldown: 360 s here), only near the end of
// the cooldown and never while requests are in flight or the app keeps its
// own minimum.
func TestKeepWarm(t *testing.T) {
	s := testSettings() // cold start 60 s, cooldown 300 s
	aboutToCool := router.State{Idle: 290 * time.Second, UrgentRate: 1.0 / 120}
	tests := []struct {
		name string
		st   router.State
		min  int
		want bool
	}{
		{"urgent work every 2 minutes, cooldown about to end", aboutToCool, 0, true},
		{"urgent work every 10 minutes: waking costs less", router.State{Idle: 290 * time.Second, UrgentRate: 1.0 / 600}, 0, false},
		{"no urgent work", router.State{Idle: 290 * time.Second}, 0, false},
		{"urgent work came every 2 minutes, but none for 7: the rate is stale", router.State{Idle: 290 * time.Second, UrgentRate: 1.0 / 120, SinceUrgent: 7 * time.Minute}, 0, false},
		{"urgent work every 2 minutes, the last one 5 minutes ago", router.State{Idle: 290 * time.Second, UrgentRate: 1.0 / 120, SinceUrgent: 5 * time.Minute}, 0, true},
		{"cooldown far from its end", router.State{Idle: 100 * time.Second, UrgentRate: 1.0 / 120}, 0, false},
		{"already cold", router.State{Idle: 301 * time.Second, UrgentRate: 1.0 / 120}, 0, false},
		{"a request in flight keeps it warm anyway", router.State{Idle: 290 * time.Second, InFlight: 1, UrgentRate: 1.0 / 120}, 0, false},
		{"minimum replicas keep it warm anyway", aboutToCool, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.MinReplicas = tt.min
			if got := router.KeepWarm(tt.st, s); got != tt.want {
				t.Fatalf("KeepWarm(%+v) = %v, want %v", tt.st, got, tt.want)
			}
		})
	}
}

// Letting the app cool also loses the urgent requests that arrive during
// the next cold start: at one a minute, one per 60 s cold start, priced at
// the batch cost threshold ($0.01, 100 s of a replica at $0.0001/s). After
// a 7-minute silence, longer than a wake-up's 360 s of replica time, busy
// urgent traffic still keeps the app warm; with the threshold at zero
// misses are not priced and it cools.
func TestKeepWarmPricesTheMissesOfACooledApp(t *testing.T) {
	s := testSettings() // cold start 60 s, cooldown 300 s, threshold $0.01, $0.0001/s
	quiet := router.State{Idle: 290 * time.Second, UrgentRate: 1.0 / 60, SinceUrgent: 7 * time.Minute}
	if !router.KeepWarm(quiet, s) {
		t.Fatal("busy urgent traffic, 7 minutes quiet: want kept warm (cooling costs 360 s + 1 miss × 100 s)")
	}
	s.BatchCostThreshold = 0
	if router.KeepWarm(quiet, s) {
		t.Fatal("threshold 0: misses unpriced, want cooled after 7 minutes (> 360 s)")
	}
	s = testSettings()
	if router.KeepWarm(router.State{Idle: 290 * time.Second, UrgentRate: 1.0 / 60, SinceUrgent: 8 * time.Minute}, s) {
		t.Fatal("8 minutes quiet: longer than cooling costs (460 s), want cooled")
	}
}

// The replicas the HTTP rule keeps follow the in-flight peak of the
// scale-in window, not the requests in flight now.
func TestWarmReplicasFollowThePeak(t *testing.T) {
	s := testSettings() // concurrency 4, at most 2 replicas
	if got := (router.State{Idle: time.Second, InFlight: 1, PeakInFlight: 5}).WarmReplicas(s); got != 2 {
		t.Fatalf("peak 5 at concurrency 4: %d replicas, want 2", got)
	}
	if got := (router.State{Idle: router.NeverServed}).WarmReplicas(s); got != 0 {
		t.Fatalf("cold app: %d replicas, want 0", got)
	}
	s.MinReplicas = 1
	if got := (router.State{Idle: router.NeverServed}).WarmReplicas(s); got != 1 {
		t.Fatalf("cold app with a minimum of 1: %d replicas, want 1", got)
	}
}
