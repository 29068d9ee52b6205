// Package rollout is the analysis of a model's canary revisions: over the
// rollback window it compares each canary's answers with stable's — the
// share that failed, and a percentile of the answer times — and rolls back
// (weight 0, at once, on every replica) a canary that is worse than its
// thresholds allow with enough requests to tell.
package rollout

import (
	"fmt"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// Verdict is one canary's evidence against stable and what it says.
type Verdict struct {
	Revision string
	// Requests and Errors are the canary's over the window; ErrorRatio
	// their ratio.
	Requests, Errors int
	ErrorRatio       float64
	// Latency and StableLatency are the threshold percentile of the
	// canary's and of stable's answer times (0 without answers).
	Latency, StableLatency time.Duration
	// Enough: the canary has the minimum requests to be judged.
	Enough bool
	// RollBack and Reason: the canary breaks a threshold, and which.
	RollBack bool
	Reason   string
}

// Judge compares a canary's window with stable's under rb: its error
// ratio above stable's (what the canary adds: a failure both have is not
// the canary's), its latency percentile over stable's. Latency is compared
// only when stable has answers of its own in the window: a ratio to nothing
// says nothing.
func Judge(revision string, canary, stable models.Window, rb config.Rollback) Verdict {
	v := Verdict{Revision: revision, Requests: canary.Requests, Errors: canary.Errors, ErrorRatio: canary.ErrorRatio(),
		Latency: canary.Percentile(rb.LatencyPercentile), StableLatency: stable.Percentile(rb.LatencyPercentile)}
	v.Enough = canary.Requests >= rb.MinRequests
	switch {
	case !v.Enough:
	case v.ErrorRatio-stable.ErrorRatio() > rb.MaxErrorRatio:
		v.RollBack = true
		v.Reason = fmt.Sprintf("error ratio %.3f over %d requests, stable's %.3f: more than %.3f above it", v.ErrorRatio, v.Requests, stable.ErrorRatio(), rb.MaxErrorRatio)
	case v.StableLatency > 0 && v.Latency > 0 && float64(v.Latency) > rb.MaxLatencyRatio*float64(v.StableLatency):
		v.RollBack = true
		v.Reason = fmt.Sprintf("p%g latency %s above %.2f× stable's %s", rb.LatencyPercentile, v.Latency, rb.MaxLatencyRatio, v.StableLatency)
	}
	return v
}
