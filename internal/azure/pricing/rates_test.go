package pricing

import (
	"math"
	"testing"
)

func TestReplicaAndNodeRates(t *testing.T) {
	tb := Default()
	// T4 replica: GPU 0.000073 + 8 × 0.000024 + 56 × 0.000003 = 0.000433 $/s.
	if got, ok := tb.ReplicaPerSecond("Consumption-GPU-NC8as-T4", 8, 56); !ok || math.Abs(got-0.000433) > 1e-9 {
		t.Errorf("T4 replica = %v (%v), want 0.000433", got, ok)
	}
	if got, ok := tb.NodePerSecond("Standard_NC4as_T4_v3", true); !ok || math.Abs(got-0.149/3600) > 1e-12 {
		t.Errorf("T4 spot node = %v (%v)", got, ok)
	}
	if _, ok := tb.NodePerSecond("Standard_NC6s_v3", true); ok {
		t.Error("a size missing from the table was priced")
	}
}
