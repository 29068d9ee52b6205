package router_test

import (
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

func TestIDsCarryTheirRegion(t *testing.T) {
	for _, c := range []struct{ id, region string }{
		{router.RegionalID("swedencentral", "0123abcd"), "swedencentral"},
		{router.RegionalID("", "0123abcd"), ""},
		{"0123abcd", ""},
		{"batch_0123-x", ""},
		{"-0123", ""},
		{"West-0123", ""},
	} {
		if got := router.IDRegion(c.id); got != c.region {
			t.Errorf("IDRegion(%q) = %q, want %q", c.id, got, c.region)
		}
	}
}

// Only refusals for the deadline spill over: a peer may be warm, or less
// busy; a body too large or a queue full would be refused there too.
func TestRefusalsForTheDeadlineSpillOver(t *testing.T) {
	for _, why := range router.Reasons {
		want := why == router.ReasonColdStartTooSlow || why == router.ReasonRealtimeSaturated || why == router.ReasonDeadlineTooShort
		if got := router.SpillsOver(why); got != want {
			t.Errorf("SpillsOver(%s) = %v, want %v", why, got, want)
		}
	}
}
