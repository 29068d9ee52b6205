package dispatch_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/azure"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/azuritetest"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/local"
)

// echoCommand is a batch command that does no inference: it answers every
// input line "ok" with the line's own body, so the benchmark measures the
// dispatcher and storage, not a model.
var echoCommand = []string{"sh", "-c", `sed 's/"body":/"status":"ok","body":/' "$BATCH_INPUT_PATH" > "$BATCH_OUTPUT_PATH"`}

// BenchmarkDispatchAzurite drains b.N queued jobs through the dispatcher on
// Azurite with the local executor and echoCommand, and reports jobs/s. It
// uses only the API the dispatcher had before it was reworked, so that
// scripts/bench-dispatch.sh can run it against an older commit side by side.
func BenchmarkDispatchAzurite(b *testing.B) {
	az := azuritetest.Start(b)
	st, err := azure.NewStorage(azure.StorageConfig{
		ConnectionString: az.ConnectionString(), WorkQueue: "inference-work", PoisonQueue: "inference-poison",
		RequestContainer: "requests", ResultContainer: "results",
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := st.Ensure(ctx); err != nil {
		b.Fatal(err)
	}
	svc := &jobs.Service{Queue: st.Work, Store: st.Jobs, Payloads: st.Blobs, RequestContainer: "requests"}
	ids := make([]string, b.N)
	for i := range ids {
		job, _, err := svc.Submit(ctx, router.Submission{Body: []byte(fmt.Sprintf(`{"text":"job %d"}`, i))})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = job.ID
	}
	d := dispatch.New(dispatch.Config{
		Queue: st.Work, Poison: st.Poison, Jobs: st.Jobs, Payloads: st.Blobs,
		Executor:         &local.Executor{Command: echoCommand, Payloads: st.Blobs},
		RequestContainer: "requests", ResultContainer: "results",
		Visibility: time.Minute, Idle: 10 * time.Millisecond,
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	b.ResetTimer()
	start := time.Now()
	go func() { d.Run(runCtx); close(done) }()
	for {
		n, err := st.Work.Depth(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	<-done
	for _, id := range ids {
		if job, err := st.Jobs.Get(ctx, id); err != nil || job.State != router.JobSucceeded {
			b.Fatalf("job %s: %+v %v", id, job, err)
		}
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
}
