package router_test

import (
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

func TestParseMode(t *testing.T) {
	for in, want := range map[string]router.Mode{"": router.ModeAuto, "auto": router.ModeAuto, "realtime": router.ModeRealtime, "batch": router.ModeBatch} {
		got, err := router.ParseMode(in)
		if err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"Realtime", "sync", " batch"} {
		if _, err := router.ParseMode(in); router.ErrorCode(err) != router.EBadHeader {
			t.Errorf("ParseMode(%q) error code %q, want %q", in, router.ErrorCode(err), router.EBadHeader)
		}
	}
}

func TestParseDeadline(t *testing.T) {
	if d, err := router.ParseDeadline(""); d != 0 || err != nil {
		t.Errorf("empty deadline = %v, %v; want 0, nil", d, err)
	}
	if d, err := router.ParseDeadline("1500"); d != 1500*time.Millisecond || err != nil {
		t.Errorf("1500 = %v, %v", d, err)
	}
	for _, in := range []string{"0", "-5", "1.5", "abc", "99999999999999999999", "604800001"} {
		if _, err := router.ParseDeadline(in); router.ErrorCode(err) != router.EBadHeader {
			t.Errorf("ParseDeadline(%q) error code %q, want %q", in, router.ErrorCode(err), router.EBadHeader)
		}
	}
}

func TestApplySecretsKeepsNothingHalfApplied(t *testing.T) {
	s := router.DefaultSettings()
	got, err := s.ApplySecrets(map[string]string{
		router.SecretRealtimeThresholdMs: "1500", router.SecretBatchCostThreshold: "0.5",
		router.SecretMaxACAReplicas: "7", router.SecretModelVersion: "m2",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.RealtimeThreshold != 1500*time.Millisecond || got.BatchCostThreshold != 0.5 || got.MaxACAReplicas != 7 || got.ModelVersion != "m2" {
		t.Fatalf("ApplySecrets = %+v", got)
	}
	if _, err := s.ApplySecrets(map[string]string{router.SecretMaxACAReplicas: "many"}); err == nil {
		t.Fatal("non-numeric max-aca-replicas accepted")
	}
	if _, err := s.ApplySecrets(map[string]string{router.SecretMaxACAReplicas: "0"}); err == nil {
		t.Fatal("max-aca-replicas 0 accepted")
	}
}
