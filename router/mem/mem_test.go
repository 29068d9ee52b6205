package mem_test

import (
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router/internal/storetest"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
)

func TestStorageContract(t *testing.T) {
	storetest.Run(t, storetest.Stores{Queue: &mem.Queue{}, Jobs: mem.NewStore(), Payloads: &mem.Blobs{}, Blobs: &mem.Blobs{}, Container: "requests", Fleet: &mem.Fleet{}})
}
