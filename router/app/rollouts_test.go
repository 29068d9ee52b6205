package app

import (
	"context"
	"log/slog"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// secretMap is a Key Vault in memory.
type secretMap map[string]string

func (s secretMap) Secrets(_ context.Context, names []string) (map[string]string, error) {
	out := map[string]string{}
	for _, n := range names {
		if v, ok := s[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

func (s secretMap) SetSecret(_ context.Context, name, value string) error {
	s[name] = value
	return nil
}

// A rollback kept in Key Vault holds for a router that starts afterwards.
func TestARollbackOutlastsARestart(t *testing.T) {
	spec := config.Model{Name: "m", Key: "chat", InferenceURL: "http://m/infer",
		Revisions: []config.Revision{{Name: "v1", InferenceURL: "http://v1/infer", Weight: 80}, {Name: "v2", InferenceURL: "http://v2/infer", Weight: 20}}}
	newApp := func(vault secretMap) *App {
		cat, err := models.New([]config.Model{spec}, live.NewSettings(router.DefaultSettings(), nil))
		if err != nil {
			t.Fatal(err)
		}
		return &App{models: cat, secrets: vault, log: slog.New(slog.DiscardHandler)}
	}
	vault := secretMap{router.ModelSecret(router.SecretRollout, "chat"): "{}"}
	first := newApp(vault)
	m := first.models.Default()
	m.RollBack("v2", "error ratio 0.5")
	if err := first.keepRollback(t.Context(), m, "v2", "error ratio 0.5"); err != nil {
		t.Fatal(err)
	}
	next := newApp(vault)
	if err := next.readRollbacks(t.Context()); err != nil {
		t.Fatal(err)
	}
	n := next.models.Default()
	if n.Weight(n.Revision("v2")) != 0 || n.RolledBack()["v2"] != "error ratio 0.5" {
		t.Fatalf("after a restart: v2 weight %d, rolled back %v; want the kept rollback", n.Weight(n.Revision("v2")), n.RolledBack())
	}
}
