package jobs_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
)

// A request that claimed its Idempotency-Key but could not enqueue (503) is
// finished by its retry under the same job id, and only then accepted.
func TestRetryAfterFailedEnqueueFinishesTheSameJob(t *testing.T) {
	q, store := &mem.Queue{Fail: true}, mem.NewStore()
	svc := &jobs.Service{Queue: q, Store: store, Payloads: &mem.Blobs{}, RequestContainer: "requests"}
	sub := router.Submission{Body: []byte(`{"text":"x"}`), IdempotencyKey: "k"}
	if _, _, err := svc.Submit(t.Context(), sub); router.ErrorCode(err) != router.EUnavailable {
		t.Fatalf("submit with the queue down: %v, want unavailable", err)
	}
	q.Fail = false
	job, replay, err := svc.Submit(t.Context(), sub)
	if err != nil || replay {
		t.Fatalf("retry: %v (replay %v)", err, replay)
	}
	again, replay, err := svc.Submit(t.Context(), sub)
	if err != nil || !replay || again.ID != job.ID {
		t.Fatalf("second retry: %+v %v %v, want a replay of %s", again, replay, err, job.ID)
	}
	if n, _ := q.Depth(t.Context()); n != 1 {
		t.Fatalf("queue holds %d messages, want 1", n)
	}
}

func TestGetRejectsMalformedIDs(t *testing.T) {
	svc := &jobs.Service{Queue: &mem.Queue{}, Store: mem.NewStore(), Payloads: &mem.Blobs{}}
	for _, id := range []string{"", "../jobs/x", "0123456789ABCDEF0123456789ABCDEF", "0123"} {
		if _, err := svc.Get(t.Context(), id); router.ErrorCode(err) != router.ENotFound {
			t.Errorf("Get(%q) = %v, want not_found", id, err)
		}
	}
	if id := jobs.NewID(); !jobs.ValidID(id) {
		t.Fatalf("NewID %q is not valid", id)
	}
}

// slowQueue makes every enqueue take a while, so that concurrent retries
// overlap with the first attempt.
type slowQueue struct {
	*mem.Queue
	delay time.Duration
}

func (q slowQueue) Enqueue(ctx context.Context, body []byte) error {
	time.Sleep(q.delay)
	return q.Queue.Enqueue(ctx, body)
}

// Concurrent retries with one Idempotency-Key store one message: the
// attempts that find the key bound wait for the first one's job.
func TestConcurrentRetriesStoreOneMessage(t *testing.T) {
	q, store := &mem.Queue{}, mem.NewStore()
	svc := &jobs.Service{Queue: slowQueue{q, 20 * time.Millisecond}, Store: store, Payloads: &mem.Blobs{}, RequestContainer: "requests"}
	sub := router.Submission{Body: []byte(`{"text":"x"}`), IdempotencyKey: "same-key"}
	const n = 50
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			job, _, err := svc.Submit(t.Context(), sub)
			ids[i], errs[i] = job.ID, err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("attempt %d: job %q, %v; want job %q", i, ids[i], errs[i], ids[0])
		}
	}
	if depth, _ := q.Depth(t.Context()); depth != 1 {
		t.Fatalf("%d concurrent attempts stored %d messages, want 1", n, depth)
	}
}

// An attempt that bound the key and then vanished (the router was killed)
// blocks retries only until its lease ends; then one retry finishes the job.
func TestRetryTakesOverAfterTheLease(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q, store := &mem.Queue{}, mem.NewStore()
	svc := &jobs.Service{Queue: q, Store: store, Payloads: &mem.Blobs{}, RequestContainer: "requests",
		Now: func() time.Time { return now }, Lease: time.Minute}
	sub := router.Submission{Body: []byte(`{"text":"x"}`), IdempotencyKey: "k"}
	keyHash := sha256.Sum256([]byte("k"))
	bodyHash := sha256.Sum256(sub.Body)
	lost := jobs.NewID()
	if _, err := store.Claim(t.Context(), hex.EncodeToString(keyHash[:]), hex.EncodeToString(bodyHash[:]), lost, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := svc.Submit(ctx, sub); router.ErrorCode(err) != router.EOverloaded {
		t.Fatalf("retry within the lease: %v, want overloaded (retry later)", err)
	}
	now = now.Add(time.Minute)
	job, replay, err := svc.Submit(t.Context(), sub)
	if err != nil || replay || job.ID != lost {
		t.Fatalf("retry after the lease: %+v %v %v, want job %s stored now", job, replay, err, lost)
	}
	if depth, _ := q.Depth(t.Context()); depth != 1 {
		t.Fatalf("%d messages, want 1", depth)
	}
}
