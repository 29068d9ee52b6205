package http

import (
	"net/http"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/models"
	"github.com/gpu-orchestration/gpu-orchestration/router/rollout"
)

// GET /v1/rollouts is the evidence of every model's revisions over the
// rollback window, fleet-wide, and what the analysis says of each canary
// (`gpuorch rollout status` prints it).

// RolloutStatus is one model's revisions.
type RolloutStatus struct {
	Model     string           `json:"model"`
	Revisions []RevisionStatus `json:"revisions"`
	// WindowSeconds is the window the figures cover.
	WindowSeconds int `json:"window_seconds"`
}

// RevisionStatus is one revision's share of the traffic and its answers
// over the window. Verdict is stable, serving, insufficient_evidence or
// rolled_back (Reason says why).
type RevisionStatus struct {
	Name     string  `json:"name"`
	Weight   int     `json:"weight"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	P50Ms    float64 `json:"p50_ms"`
	P95Ms    float64 `json:"p95_ms"`
	P99Ms    float64 `json:"p99_ms"`
	Verdict  string  `json:"verdict"`
	Reason   string  `json:"reason,omitempty"`
}

// Verdicts of RevisionStatus.
const (
	VerdictStable       = "stable"
	VerdictServing      = "serving"
	VerdictInsufficient = "insufficient_evidence"
	VerdictRolledBack   = "rolled_back"
)

func (s *Server) rollouts(w http.ResponseWriter) {
	now := s.cfg.Now()
	out := []RolloutStatus{}
	for _, m := range s.cfg.Models.All() {
		out = append(out, rolloutStatus(m, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": out})
}

func rolloutStatus(m *models.Deployment, now time.Time) RolloutStatus {
	st := RolloutStatus{Model: m.ID()}
	if m.Rollback != nil {
		st.WindowSeconds = m.Rollback.WindowSeconds
	}
	verdicts := map[string]rollout.Verdict{}
	for _, v := range rollout.Verdicts(m, now) {
		verdicts[v.Revision] = v
	}
	gone := m.RolledBack()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for _, r := range m.Revisions {
		win := r.FleetWindow(now)
		rs := RevisionStatus{Name: r.Name, Weight: m.Weight(r), Requests: win.Requests, Errors: win.Errors,
			P50Ms: ms(win.Percentile(50)), P95Ms: ms(win.Percentile(95)), P99Ms: ms(win.Percentile(99))}
		why, out := gone[r.Name]
		switch v, judged := verdicts[r.Name]; {
		case !r.Canary:
			rs.Verdict = VerdictStable
		case out:
			rs.Verdict, rs.Reason = VerdictRolledBack, why
		case judged && !v.Enough:
			rs.Verdict = VerdictInsufficient
		default:
			rs.Verdict = VerdictServing
		}
		st.Revisions = append(st.Revisions, rs)
	}
	return st
}
