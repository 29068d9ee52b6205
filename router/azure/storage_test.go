package azure_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/azure"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/azuritetest"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/storetest"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
)

func newStorage(t *testing.T) *azure.Storage {
	t.Helper()
	az := azuritetest.Start(t)
	st, err := azure.NewStorage(azure.StorageConfig{
		ConnectionString: az.ConnectionString(), WorkQueue: "inference-work", PoisonQueue: "inference-poison",
		RequestContainer: "requests", ResultContainer: "results",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Ensure(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := st.Ensure(t.Context()); err != nil {
		t.Fatalf("Ensure is not idempotent: %v", err)
	}
	return st
}

func service(st *azure.Storage) *jobs.Service {
	return &jobs.Service{Queue: st.Work, Store: st.Jobs, Payloads: st.Blobs, RequestContainer: "requests"}
}

// The Azure adapters keep the same contract as the in-memory stores that
// the layers above are unit-tested on.
func TestStorageContract(t *testing.T) {
	st := newStorage(t)
	storetest.Run(t, storetest.Stores{Queue: st.Work, Jobs: st.Jobs, Payloads: st.Blobs, Blobs: st.Blobs, Container: "requests", Fleet: st.Fleet})
}

// A job is durable by its message alone: its record is stored once the
// dispatcher takes it, and meanwhile the job reads as queued.
func TestSubmitEnqueuesTheJob(t *testing.T) {
	st := newStorage(t)
	ctx := t.Context()
	svc := service(st)
	job, replay, err := svc.Submit(ctx, router.Submission{Body: []byte(`{"text":"hi"}`), ModelVersion: "m1"})
	if err != nil || replay || job.State != router.JobQueued {
		t.Fatalf("submit: %+v %v %v", job, replay, err)
	}
	got, err := svc.Get(ctx, job.ID)
	if err != nil || got.ID != job.ID || got.State != router.JobQueued {
		t.Fatalf("job %+v, %v", got, err)
	}
	msgs, _ := st.Work.Receive(ctx, 1, time.Minute)
	var item router.WorkItem
	if len(msgs) != 1 || json.Unmarshal(msgs[0].Body, &item) != nil || item.JobID != job.ID || string(item.Body) != `{"text":"hi"}` {
		t.Fatalf("message %+v", msgs)
	}
	if _, err := st.Jobs.Get(ctx, jobs.NewID(time.Now())); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("unknown job: %v", err)
	}
}

func TestLargePayloadGoesThroughBlob(t *testing.T) {
	st := newStorage(t)
	ctx := t.Context()
	body := []byte(`{"text":"` + strings.Repeat("long ", 40000) + `"}`) // 200 KB: over the 64 KiB message limit
	job, _, err := service(st).Submit(ctx, router.Submission{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := st.Work.Receive(ctx, 1, time.Minute)
	var item router.WorkItem
	if len(msgs) != 1 || json.Unmarshal(msgs[0].Body, &item) != nil {
		t.Fatalf("message %+v", msgs)
	}
	if item.Body != nil || item.PayloadBlob != jobs.PayloadBlobName(job.ID) {
		t.Fatalf("large body travelled inline (%d bytes) or without a blob reference %q", len(item.Body), item.PayloadBlob)
	}
	stored, err := st.Blobs.Get(ctx, "requests", item.PayloadBlob)
	if err != nil || !bytes.Equal(stored, body) {
		t.Fatalf("payload blob: %v, equal %v", err, bytes.Equal(stored, body))
	}
}

func TestIdempotency(t *testing.T) {
	st := newStorage(t)
	ctx := t.Context()
	svc := service(st)
	a, replayA, err := svc.Submit(ctx, router.Submission{Body: []byte(`{"n":1}`), IdempotencyKey: "order-42"})
	if err != nil || replayA {
		t.Fatal(err, replayA)
	}
	b, replayB, err := svc.Submit(ctx, router.Submission{Body: []byte(`{"n":1}`), IdempotencyKey: "order-42"})
	if err != nil || !replayB || b.ID != a.ID {
		t.Fatalf("replay: %+v %v %v, want job %s", b, replayB, err, a.ID)
	}
	if _, _, err := svc.Submit(ctx, router.Submission{Body: []byte(`{"n":2}`), IdempotencyKey: "order-42"}); router.ErrorCode(err) != router.EIdempotencyConflict {
		t.Fatalf("same key, other body: %v, want idempotency_conflict", err)
	}
	// Each attempt stored its message; the dispatcher runs only the job
	// the key is bound to (router/dispatch).
	if n, _ := st.Work.Depth(ctx); n != 3 {
		t.Fatalf("%d messages for three attempts", n)
	}
}

func TestPoisonAfterDequeueLimit(t *testing.T) {
	st := newStorage(t)
	ctx := t.Context()
	job, _, err := service(st).Submit(ctx, router.Submission{Body: []byte(`{"text":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := dispatch.New(dispatch.Config{
		Queue: st.Work, Poison: st.Poison, Jobs: st.Jobs, Payloads: st.Blobs,
		Executor:         unavailable{}, // every run is given back
		RequestContainer: "requests", ResultContainer: "results",
		Visibility: time.Second, MaxDequeue: 2,
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _ = d.Once(ctx)
		if n, _ := st.Poison.Depth(ctx); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the failing message never reached the poison queue")
		}
		time.Sleep(300 * time.Millisecond)
	}
	msgs, err := st.Poison.Receive(ctx, 1, time.Minute)
	if err != nil || len(msgs) != 1 {
		t.Fatal(err)
	}
	var rec struct {
		Reason       string `json:"reason"`
		JobID        string `json:"job_id"`
		DequeueCount int64  `json:"dequeue_count"`
	}
	if err := json.Unmarshal(msgs[0].Body, &rec); err != nil || rec.JobID != job.ID || rec.DequeueCount != 3 || !strings.Contains(rec.Reason, "limit is 2") {
		t.Fatalf("poison record %s", msgs[0].Body)
	}
	if n, _ := st.Work.Depth(ctx); n != 0 {
		t.Fatalf("work queue still holds %d messages", n)
	}
	got, err := st.Jobs.Get(ctx, job.ID)
	if err != nil || got.State != router.JobFailed || !strings.Contains(got.Error, "poison") {
		t.Fatalf("poisoned job %+v, %v", got, err)
	}
}

// unavailable is an executor that can never run (a pool that cannot be
// reached): its runs are given back to the queue, not blamed on an input.
type unavailable struct{}

func (unavailable) Execute(context.Context, router.Run) error {
	return router.Errorf(router.EUnavailable, "pool unreachable")
}

// A storage failure reaches users as a message that names no blob, queue or
// container (they are internal); the cause, in logs, still does.
func TestUnavailableNamesNoInternalPath(t *testing.T) {
	az := azuritetest.Start(t)
	az.Stop()
	st, err := azure.NewStorage(azure.StorageConfig{
		ConnectionString: az.ConnectionString(),
		WorkQueue:        "inference-work", PoisonQueue: "inference-poison", RequestContainer: "requests", ResultContainer: "results",
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Jobs.Get(t.Context(), "0123456789abcdef0123456789abcdef")
	if router.ErrorCode(err) != router.EUnavailable {
		t.Fatalf("storage down: %v; want unavailable", err)
	}
	if msg := router.ErrorMessage(err); strings.Contains(msg, "results") || strings.Contains(msg, "jobs/") || strings.Contains(msg, "blob") {
		t.Fatalf("message %q names internals", msg)
	}
	if !strings.Contains(err.Error(), "results/jobs/0123456789abcdef0123456789abcdef.json") {
		t.Fatalf("cause %q lost the blob's name (logs need it)", err)
	}
}
