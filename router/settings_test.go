package router_test

import (
	"math"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/pricing"
	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The cost comparison of a router started without the stack's price
// variables must use the same T4 prices as the stack and the preview; a
// price moved in internal/azure/pricing alone would silently skew routing.
func TestDefaultPricesAreThePriceTableT4Figures(t *testing.T) {
	s := router.DefaultSettings()
	table := pricing.Default()
	replica, ok := table.ReplicaPerSecond("Consumption-GPU-NC8as-T4", 8, 56)
	if !ok {
		t.Fatal("price table lacks Consumption-GPU-NC8as-T4")
	}
	node, ok := table.NodePerSecond("Standard_NC4as_T4_v3", true)
	if !ok {
		t.Fatal("price table lacks Standard_NC4as_T4_v3")
	}
	if math.Abs(s.RealtimePricePerSecond-replica) > 1e-12 {
		t.Errorf("RealtimePricePerSecond = %g, price table T4 replica = %g", s.RealtimePricePerSecond, replica)
	}
	if math.Abs(s.BatchPricePerSecond-node) > 1e-12 {
		t.Errorf("BatchPricePerSecond = %g, price table Spot NC4as_T4_v3 = %g", s.BatchPricePerSecond, node)
	}
}
