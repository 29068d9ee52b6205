package jobs_test

import (
	"testing"

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
