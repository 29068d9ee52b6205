package rollout

import (
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

var thresholds = config.Rollback{MaxErrorRatio: 0.05, LatencyPercentile: 95, MaxLatencyRatio: 1.5, MinRequests: 20, WindowSeconds: 60}

// window records n answers of took each, failed of them failing.
func window(n, failed int, took time.Duration) models.Window {
	s := models.NewStats(time.Minute)
	now := time.Unix(1_700_000_000, 0)
	for i := range n {
		s.Record(now, took, i < failed)
	}
	return s.Window(now)
}

func TestJudgeRollsBackOnlyWithEnoughEvidence(t *testing.T) {
	stable := window(200, 0, 100*time.Millisecond)
	for _, c := range []struct {
		name   string
		canary models.Window
		back   bool
		enough bool
	}{
		{"healthy", window(40, 1, 110*time.Millisecond), false, true},
		{"failing", window(40, 4, 100*time.Millisecond), true, true},
		{"failing, too few requests", window(19, 10, 100*time.Millisecond), false, false},
		{"slow", window(40, 0, 200*time.Millisecond), true, true},
		{"a little slower", window(40, 0, 140*time.Millisecond), false, true},
		{"at the error ratio", window(40, 2, 100*time.Millisecond), false, true},
	} {
		v := Judge("v2", c.canary, stable, thresholds)
		if v.RollBack != c.back || v.Enough != c.enough || (v.RollBack && v.Reason == "") {
			t.Errorf("%s: %+v; want roll back %v, enough %v", c.name, v, c.back, c.enough)
		}
	}
	// A failure stable has too is not the canary's: only what it adds.
	failingStable := window(200, 20, 100*time.Millisecond)
	if v := Judge("v2", window(40, 4, 100*time.Millisecond), failingStable, thresholds); v.RollBack {
		t.Errorf("rolled back a canary failing as often as stable: %+v", v)
	}
	if v := Judge("v2", window(40, 8, 100*time.Millisecond), failingStable, thresholds); !v.RollBack {
		t.Errorf("kept a canary failing 0.2 against stable's 0.1: %+v", v)
	}
	// Latency against a stable without answers says nothing.
	if v := Judge("v2", window(40, 0, time.Second), models.Window{}, thresholds); v.RollBack {
		t.Errorf("rolled back for latency against a stable with no answers: %+v", v)
	}
}
