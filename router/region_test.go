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
