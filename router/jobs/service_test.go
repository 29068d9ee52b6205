package jobs_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
)

// counting counts the storage calls acceptance makes.
type counting struct {
	*mem.Queue
	enqueues atomic.Int64
}

func (q *counting) Enqueue(ctx context.Context, body []byte) error {
	q.enqueues.Add(1)
	return q.Queue.Enqueue(ctx, body)
}

type countingStore struct {
	*mem.Store
	calls atomic.Int64
}

func (s *countingStore) Put(ctx context.Context, j router.Job) error {
	s.calls.Add(1)
	return s.Store.Put(ctx, j)
}

func (s *countingStore) Get(ctx context.Context, id string) (router.Job, error) {
	s.calls.Add(1)
	return s.Store.Get(ctx, id)
}

func (s *countingStore) Claim(ctx context.Context, k, b, id string) (router.IdempotencyClaim, error) {
	s.calls.Add(1)
	return s.Store.Claim(ctx, k, b, id)
}

// A job is accepted in one storage call (its message, which carries its
// record), two with an Idempotency-Key (the key's binding after the
// message); until the dispatcher takes it, GET answers it queued.
func TestAcceptanceCostsOneCallAndTwoWithAKey(t *testing.T) {
	q, store := &counting{Queue: &mem.Queue{}}, &countingStore{Store: mem.NewStore()}
	svc := &jobs.Service{Queue: q, Store: store, Payloads: &mem.Blobs{}, RequestContainer: "requests"}
	job, _, err := svc.Submit(t.Context(), router.Submission{Body: []byte(`{"text":"x"}`), ModelVersion: "m1"})
	if err != nil || q.enqueues.Load() != 1 || store.calls.Load() != 0 {
		t.Fatalf("submit: %v; %d enqueues and %d job-store calls, want 1 and 0", err, q.enqueues.Load(), store.calls.Load())
	}
	msgs, _ := q.Receive(t.Context(), 1, time.Minute)
	var item router.WorkItem
	if len(msgs) != 1 || json.Unmarshal(msgs[0].Body, &item) != nil || item.JobID != job.ID || item.ModelVersion != "m1" {
		t.Fatalf("message %+v, want the job", msgs)
	}
	got, err := svc.Get(t.Context(), job.ID)
	if err != nil || got.State != router.JobQueued || got.Created.IsZero() || got.Created.Sub(job.Created).Abs() > time.Millisecond {
		t.Fatalf("get before the dispatcher: %+v %v; want it queued, created when accepted", got, err)
	}
	store.calls.Store(0)
	if _, _, err := svc.Submit(t.Context(), router.Submission{Body: []byte(`{"text":"x"}`), IdempotencyKey: "k"}); err != nil ||
		q.enqueues.Load() != 2 || store.calls.Load() != 1 {
		t.Fatalf("submit with a key: %v; %d job-store calls, want 1 (the binding)", err, store.calls.Load())
	}
}

// An id the router did not issue is unknown, whatever its form; the ids it
// issues pass their check.
func TestGetKnowsTheIDsItIssued(t *testing.T) {
	svc := &jobs.Service{Queue: &mem.Queue{}, Store: mem.NewStore(), Payloads: &mem.Blobs{}}
	id := jobs.NewID(time.Now())
	flipped := []byte(id)
	flipped[31] ^= 1
	for _, bad := range []string{"", "../jobs/x", "0123456789ABCDEF0123456789ABCDEF", "0123", "0123456789abcdef0123456789abcdef", string(flipped)} {
		if _, err := svc.Get(t.Context(), bad); router.ErrorCode(err) != router.ENotFound {
			t.Errorf("Get(%q) = %v, want not_found", bad, err)
		}
	}
	if at, ok := jobs.Issued(id); !ok || time.Since(at) > time.Minute || !jobs.ValidID(id) {
		t.Fatalf("NewID %q: issued %v at %s", id, ok, at)
	}
}

// Retries with one Idempotency-Key, at once or after a failure, are all
// answered the one job the key was bound to; the other messages are
// dropped when the dispatcher takes them (dispatch tests).
func TestRetriesWithOneKeyGetOneJob(t *testing.T) {
	q, store := &mem.Queue{Fail: true}, mem.NewStore()
	svc := &jobs.Service{Queue: q, Store: store, Payloads: &mem.Blobs{}, RequestContainer: "requests"}
	sub := router.Submission{Body: []byte(`{"text":"x"}`), IdempotencyKey: "same-key"}
	if _, _, err := svc.Submit(t.Context(), sub); router.ErrorCode(err) != router.EUnavailable {
		t.Fatalf("submit with the queue down: %v, want unavailable", err)
	}
	q.Fail = false
	const n = 50
	ids := make([]string, n)
	replays := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			job, replay, err := svc.Submit(t.Context(), sub)
			ids[i], replays[i], errs[i] = job.ID, replay, err
		})
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("attempt %d: job %q, %v; want job %q", i, ids[i], errs[i], ids[0])
		}
		if !replays[i] {
			fresh++
		}
	}
	if fresh != 1 {
		t.Fatalf("%d attempts were told their job is new; want 1, the others replays", fresh)
	}
	if _, _, err := svc.Submit(t.Context(), router.Submission{Body: []byte(`{"text":"other"}`), IdempotencyKey: "same-key"}); router.ErrorCode(err) != router.EIdempotencyConflict {
		t.Fatalf("the key with another body: %v, want idempotency_conflict", err)
	}
}
