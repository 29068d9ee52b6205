package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRolloutStatusPrintsEachRevision(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/rollouts" || r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, `{"error":{"code":"unauthorized"}}`, 401)
			return
		}
		_, _ = w.Write([]byte(`{"object":"list","data":[{"model":"chat-1","window_seconds":300,"revisions":[
			{"name":"v1","weight":100,"requests":950,"errors":2,"p50_ms":120,"p95_ms":400,"p99_ms":900,"verdict":"stable"},
			{"name":"v2","weight":0,"requests":60,"errors":31,"p50_ms":0,"p95_ms":0,"p99_ms":0,"verdict":"rolled_back","reason":"error ratio 0.517 over 60 requests above 0.050"}]}]}`))
	}))
	defer srv.Close()
	var out, errs bytes.Buffer
	if code := dispatch([]string{"rollout", "status", "-url", srv.URL, "-key", "k"}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	for _, want := range []string{"model chat-1 (last 300s, all replicas)", "v1", "950", "stable", "v2", "rolled_back: error ratio 0.517"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if code := dispatch([]string{"rollout", "status", "-url", srv.URL, "-key", "wrong"}, &out, &errs); code != 1 || !strings.Contains(errs.String(), "401") {
		t.Errorf("a refused key: exit %d, %s", code, errs.String())
	}
}
