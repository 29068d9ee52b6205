package http_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

type secrets map[string]string

func (s secrets) Secrets(_ context.Context, names []string) (map[string]string, error) {
	out := map[string]string{}
	for _, n := range names {
		if v, ok := s[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

func hashOf(k string) string { h := sha256.Sum256([]byte(k)); return hex.EncodeToString(h[:]) }

func TestAuthentication(t *testing.T) {
	fixed := sha256.Sum256([]byte("env-key"))
	ls := live.NewSettings(router.DefaultSettings(), [][sha256.Size]byte{fixed})
	cat, err := models.One("http://127.0.0.1:1/infer", ls, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(routerhttp.NewServer(routerhttp.Config{
		Settings: ls, Models: cat, Metrics: metrics.New(), MaxBodyBytes: 1024,
		Jobs: &jobs.Service{Queue: &mem.Queue{}, Store: mem.NewStore(), Payloads: &mem.Blobs{}},
	}))
	defer srv.Close()
	status := func(auth string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/jobs/0123456789abcdef0123456789abcdef", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// 404 means authenticated (the job does not exist); 401 means refused.
	if got := status("Bearer env-key"); got != 404 {
		t.Fatalf("env key: %d", got)
	}
	if got := status("bearer env-key"); got != 404 {
		t.Fatalf("lowercase scheme: %d", got)
	}
	for _, bad := range []string{"", "Bearer", "Bearer ", "Bearer vault-key", "env-key", "Bearer env-key2", "Token env-key"} {
		if got := status(bad); got != 401 {
			t.Fatalf("%q: %d, want 401", bad, got)
		}
	}
	if err := ls.Refresh(t.Context(), secrets{router.SecretAPIKeyHashes: hashOf("other") + ", " + hashOf("vault-key")}); err != nil {
		t.Fatal(err)
	}
	if got := status("Bearer vault-key"); got != 404 {
		t.Fatalf("Key Vault key after refresh: %d", got)
	}
	if err := ls.Refresh(t.Context(), secrets{router.SecretAPIKeyHashes: "not-hex"}); err == nil {
		t.Fatal("a malformed hash list was accepted")
	}
	if got := status("Bearer vault-key"); got != 404 {
		t.Fatalf("a failed refresh dropped the last good keys: %d", got)
	}
	if err := ls.Refresh(t.Context(), secrets{router.SecretAPIKeyHashes: hashOf("other")}); err != nil {
		t.Fatal(err)
	}
	if status("Bearer vault-key") != 401 || status("Bearer env-key") != 404 {
		t.Fatal("rotation: the removed key still works, or the environment key stopped working")
	}
}
