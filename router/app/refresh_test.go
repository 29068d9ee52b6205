package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// flakySource fails its first n reads (Key Vault answering 403 until the
// role assignment applies), then serves a key hash.
type flakySource struct {
	mu    sync.Mutex
	fails int
	reads []time.Time
}

func (s *flakySource) Secrets(context.Context, []string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads = append(s.reads, time.Now())
	if len(s.reads) <= s.fails {
		return nil, errors.New("403 Forbidden: caller is not authorized")
	}
	h := sha256.Sum256([]byte("k"))
	return map[string]string{router.SecretAPIKeyHashes: hex.EncodeToString(h[:])}, nil
}

// The deployed router starts with no key hashes in its environment: a failing
// Key Vault must not stop it (the app would crash-loop until RBAC applies).
// It retries sooner than the refresh interval, backing off, and is ready once
// a read succeeds.
func TestSettingsRetryUntilKeyVaultAnswers(t *testing.T) {
	src := &flakySource{fails: 2}
	settings := live.NewSettings(router.DefaultSettings(), nil)
	cat, err := models.One(config.Default().InferenceURL, settings, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := &App{
		cfg:      config.Config{RefreshEvery: time.Hour},
		log:      slog.New(slog.DiscardHandler),
		metrics:  metrics.New(),
		settings: settings,
		models:   cat,
		secrets:  src,
	}
	a.settings.AwaitSource()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { a.refreshSettings(ctx); close(done) }()
	deadline := time.After(30 * time.Second)
	for !a.settings.Ready() {
		select {
		case <-deadline:
			t.Fatal("not ready 30 s after Key Vault began to answer")
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	<-done
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(src.reads) != 3 {
		t.Fatalf("%d reads, want 2 failures then 1 success", len(src.reads))
	}
	// Backoff doubles from one second: 1 s, then 2 s — far below the hour.
	for i, want := range []time.Duration{time.Second, 2 * time.Second} {
		if got := src.reads[i+1].Sub(src.reads[i]); got < want || got > want+time.Second {
			t.Errorf("wait before read %d: %v, want about %v", i+2, got, want)
		}
	}
	if len(a.settings.KeyHashes()) != 1 {
		t.Fatalf("key hashes after the successful read: %d, want 1", len(a.settings.KeyHashes()))
	}
}

// The deployed configuration: Key Vault and storage by managed identity, no
// key hashes in the environment. With Key Vault not answering (here: nothing
// listens), the router must still start — not ready — instead of exiting.
func TestStartsWhileKeyVaultIsUnreadable(t *testing.T) {
	env := map[string]string{
		"KEY_VAULT_URI":          "https://127.0.0.1:1/",
		"STORAGE_QUEUE_ENDPOINT": "https://127.0.0.1:1/",
		"STORAGE_BLOB_ENDPOINT":  "https://127.0.0.1:1/",
		"INFERENCE_URL":          "http://127.0.0.1:1/infer",
		"AZURE_CLIENT_ID":        "00000000-0000-0000-0000-000000000000",
		"BATCH_ACCOUNT_ENDPOINT": "https://127.0.0.1:1/",
		"BATCH_POOL_ID":          "gpu-pool",
		"INFERENCE_IMAGE":        "example.azurecr.io/refmodel@sha256:" + strings.Repeat("0", 64),
		"BATCH_NODE_IDENTITY":    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pool",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("the router exits while Key Vault is unreadable: %v", err)
	}
	if a.settings.Ready() {
		t.Fatal("ready before any settings (and so any API key) were read")
	}
}
