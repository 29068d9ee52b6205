package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// A rollback is kept in the model's rollout secret in Key Vault
// (router.SecretRollout): every replica and every restart read it with the
// settings, and the stack, which writes it empty, sees it as drift.

// keepRollback writes model m's rolled-back canaries to its rollout secret.
func (a *App) keepRollback(ctx context.Context, m *models.Deployment, _, _ string) error {
	w, ok := a.secrets.(router.SecretWriter)
	if !ok {
		return nil // no Key Vault (the local run): the fleet's shares carry it
	}
	b, err := json.Marshal(m.RolledBack())
	if err != nil {
		return err
	}
	return w.SetSecret(ctx, router.ModelSecret(router.SecretRollout, m.Key), string(b))
}

// readRollbacks applies the rollbacks kept in the models' rollout secrets.
func (a *App) readRollbacks(ctx context.Context) error {
	byName := map[string]*models.Deployment{}
	var names []string
	for _, m := range a.models.All() {
		if len(m.Revisions) > 1 {
			name := router.ModelSecret(router.SecretRollout, m.Key)
			byName[name] = m
			names = append(names, name)
		}
	}
	if len(names) == 0 || a.secrets == nil {
		return nil
	}
	values, err := a.secrets.Secrets(ctx, names)
	if err != nil {
		return err
	}
	for name, raw := range values {
		var out map[string]string
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			return fmt.Errorf("secret %s: %q is not a JSON object of revision to reason: %w", name, router.Excerpt(raw), err)
		}
		m := byName[name]
		for rev, why := range out {
			if m.RollBack(rev, why) {
				a.log.Warn(config.LogRollback, "model", m.Name, "revision", rev, "reason", why, config.LogFieldFrom, "key vault")
			}
		}
	}
	return nil
}
