package dispatch

import (
	"context"
	"log/slog"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
)

// DepthSink takes queue depth readings: a live.Tracker, or every model's
// (models.Catalog).
type DepthSink interface {
	SetQueueDepth(now time.Time, n int)
	SetBatchDown(down bool)
}

// WatchDepth reads the queue depth every interval into t (for Decide and
// /readyz) and the metrics, until ctx ends. A failed read marks the batch
// path down; the next good one brings it back.
func WatchDepth(ctx context.Context, q router.Queue, t DepthSink, m *metrics.Metrics, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		n, err := q.Depth(ctx)
		switch {
		case err == nil:
			t.SetQueueDepth(time.Now(), n)
			if m != nil {
				m.QueueDepth.Set(float64(n))
			}
		case ctx.Err() == nil:
			t.SetBatchDown(true)
			log.Warn("work queue unreachable", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
