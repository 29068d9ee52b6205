package http_test

import (
	"os"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The API document must name every error code and reason users can see.
func TestOpenAPIDocumentsEveryCodeAndReason(t *testing.T) {
	doc, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{router.EBadHeader, router.EBadRequest, router.EUnauthorized, router.ENotFound,
		router.EMethodNotAllowed, router.EPayloadTooLarge, router.EHeaderTooLarge, router.EIdempotencyConflict, router.EOverloaded,
		router.EUnavailable, router.EDeadlineUnmeetable, router.EBackendTimeout, router.EInternal}
	for _, r := range []router.Reason{router.ReasonForcedRealtime, router.ReasonForcedBatch, router.ReasonDeadlineBelowThreshold,
		router.ReasonWarmIdle, router.ReasonRealtimeAffordable, router.ReasonBatchCheaper, router.ReasonBatchTooSlow,
		router.ReasonBatchUnavailable, router.ReasonColdStartTooSlow, router.ReasonDeadlineTooShort, router.ReasonRealtimeSaturated,
		router.ReasonTooLargeForRealtime, router.ReasonQueueFull, router.ReasonQueueDown, router.ReasonRealtimeFailed,
		router.ReasonBackendUnavailable} {
		names = append(names, string(r))
	}
	for _, n := range names {
		found := false
		for _, form := range []string{"[" + n + ",", " " + n + ",", " " + n + "]"} {
			found = found || strings.Contains(string(doc), form)
		}
		if !found {
			t.Errorf("api/openapi.yaml does not list %q", n)
		}
	}
}
