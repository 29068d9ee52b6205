package dispatch_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/azure"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/azuritetest"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/local"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
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
	st, svc := benchStorage(b)
	ctx := context.Background()
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

// BenchmarkAcceptAzurite is the rate the dispatcher is measured against:
// b.N jobs durably accepted (message, then record) by 16 concurrent
// callers on the same kind of Azurite.
func BenchmarkAcceptAzurite(b *testing.B) {
	_, svc := benchStorage(b)
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if _, _, err := svc.Submit(ctx, router.Submission{Body: []byte(fmt.Sprintf(`{"text":"job %d"}`, i))}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}

func benchStorage(b *testing.B) (*azure.Storage, *jobs.Service) {
	az := azuritetest.Start(b)
	st, err := azure.NewStorage(azure.StorageConfig{
		ConnectionString: az.ConnectionString(), WorkQueue: "inference-work", PoisonQueue: "inference-poison",
		RequestContainer: "requests", ResultContainer: "results",
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Ensure(context.Background()); err != nil {
		b.Fatal(err)
	}
	return st, &jobs.Service{Queue: st.Work, Store: st.Jobs, Payloads: st.Blobs, RequestContainer: "requests"}
}

// BenchmarkDispatchLatency is BenchmarkDispatchAzurite on in-memory stores
// where every storage call takes callLatency, as a round trip to Azure
// Storage does, and calls do not compete for one emulator's CPU: it shows
// what the number of sequential round trips per job costs.
func BenchmarkDispatchLatency(b *testing.B) {
	const callLatency = 5 * time.Millisecond
	q := delayQueue{&mem.Queue{}, callLatency}
	store := delayStore{mem.NewStore(), callLatency}
	blobs := delayBlobs{&mem.Blobs{}, callLatency}
	svc := &jobs.Service{Queue: q.Queue, Store: store.Store, Payloads: blobs.Blobs, RequestContainer: "requests"}
	ctx := context.Background()
	ids := make([]string, b.N)
	for i := range ids {
		job, _, err := svc.Submit(ctx, router.Submission{Body: []byte(fmt.Sprintf(`{"text":"job %d"}`, i))})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = job.ID
	}
	d := dispatch.New(dispatch.Config{
		Queue: q, Poison: &mem.Queue{}, Jobs: store, Payloads: blobs,
		Executor:         &local.Executor{Command: echoCommand, Payloads: blobs},
		RequestContainer: "requests", ResultContainer: "results",
		Visibility: time.Minute, Idle: 10 * time.Millisecond,
	})
	b.ResetTimer()
	start := time.Now()
	for {
		if n, _ := q.Queue.Depth(ctx); n == 0 {
			break
		}
		if _, err := d.Once(ctx); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	for _, id := range ids {
		if job, err := store.Store.Get(ctx, id); err != nil || job.State != router.JobSucceeded {
			b.Fatalf("job %s: %+v %v", id, job, err)
		}
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
}

type delayQueue struct {
	*mem.Queue
	d time.Duration
}

func (q delayQueue) Receive(ctx context.Context, max int, vis time.Duration) ([]router.Message, error) {
	time.Sleep(q.d)
	return q.Queue.Receive(ctx, max, vis)
}

func (q delayQueue) Delete(ctx context.Context, m router.Message) error {
	time.Sleep(q.d)
	return q.Queue.Delete(ctx, m)
}

type delayStore struct {
	*mem.Store
	d time.Duration
}

func (s delayStore) Get(ctx context.Context, id string) (router.Job, error) {
	time.Sleep(s.d)
	return s.Store.Get(ctx, id)
}

func (s delayStore) Put(ctx context.Context, job router.Job) error {
	time.Sleep(s.d)
	return s.Store.Put(ctx, job)
}

type delayBlobs struct {
	*mem.Blobs
	d time.Duration
}

func (b delayBlobs) Get(ctx context.Context, container, name string) ([]byte, error) {
	time.Sleep(b.d)
	return b.Blobs.Get(ctx, container, name)
}

func (b delayBlobs) Put(ctx context.Context, container, name string, data []byte) error {
	time.Sleep(b.d)
	return b.Blobs.Put(ctx, container, name, data)
}
