package rollout

import (
	"context"
	"log/slog"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// Every is how often the analyst judges the canaries: a tenth of the
// shortest window a model may have.
const Every = time.Second

// Analyst judges every model's canaries on the fleet's windows and rolls
// back the ones that fail. One replica of the fleet runs it (the leader);
// a rollback reaches the others through the fleet's shares within a sync,
// and Keep, when set, makes it outlast restarts (Key Vault).
type Analyst struct {
	Models  *models.Catalog
	Metrics *metrics.Metrics
	Log     *slog.Logger
	Now     func() time.Time
	// Keep stores a rollback where every replica and the next deployment's
	// preview see it; nil keeps it in the fleet only.
	Keep func(ctx context.Context, m *models.Deployment, revision, why string) error
}

// Run judges every Every until ctx ends.
func (a *Analyst) Run(ctx context.Context) {
	t := time.NewTicker(Every)
	defer t.Stop()
	for {
		a.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once judges every canary now and rolls back those that fail; it returns
// the verdicts, by model name.
func (a *Analyst) Once(ctx context.Context) map[string][]Verdict {
	now := a.now()
	out := map[string][]Verdict{}
	for _, m := range a.Models.All() {
		if len(m.Revisions) < 2 || m.Rollback == nil {
			continue
		}
		for _, v := range Verdicts(m, now) {
			out[m.Name] = append(out[m.Name], v)
			if v.RollBack && m.RollBack(v.Revision, v.Reason) {
				a.rolledBack(ctx, m, v)
			}
		}
	}
	return out
}

// Verdicts judges model m's canaries still in its split on the fleet's
// windows ending at now.
func Verdicts(m *models.Deployment, now time.Time) []Verdict {
	out := []Verdict{}
	if m.Rollback == nil {
		return out
	}
	stable := m.Stable().FleetWindow(now)
	gone := m.RolledBack()
	for _, r := range m.Revisions[1:] {
		if _, out := gone[r.Name]; out {
			continue
		}
		out = append(out, Judge(r.Name, r.FleetWindow(now), stable, *m.Rollback))
	}
	return out
}

func (a *Analyst) rolledBack(ctx context.Context, m *models.Deployment, v Verdict) {
	a.Log.Warn(config.LogRollback, "model", m.Name, "revision", v.Revision, "reason", v.Reason,
		"requests", v.Requests, "errors", v.Errors)
	if a.Metrics != nil {
		a.Metrics.Rollbacks.WithLabelValues(m.Name, v.Revision).Inc()
	}
	if a.Keep != nil {
		if err := a.Keep(ctx, m, v.Revision, v.Reason); err != nil {
			a.Log.Warn("rollout: rollback not stored; it holds in the fleet until a restart", "model", m.Name, "revision", v.Revision, "err", err)
		}
	}
}

func (a *Analyst) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
