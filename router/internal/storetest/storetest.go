// Package storetest is the contract of the router's storage interfaces as
// one test that every implementation runs: the in-memory stores (router/mem)
// and the Azure adapters on Azurite (router/azure). Code above storage is
// unit-tested on the in-memory stores, so they must behave as Azure does.
package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Stores are the implementations under test, empty and ready.
type Stores struct {
	Queue    router.Queue
	Jobs     router.JobStore
	Payloads router.PayloadStore
	// Blobs is the Batch API's store; it may be Payloads.
	Blobs router.BlobStore
	// Container is an existing container of Payloads and Blobs.
	Container string
	// Fleet is the replicas' shared store (leases included).
	Fleet router.FleetStore
}

// Run runs the whole contract.
func Run(t *testing.T, s Stores) {
	t.Run("queue", func(t *testing.T) { queue(t, s.Queue) })
	t.Run("jobs", func(t *testing.T) { jobStore(t, s.Jobs) })
	t.Run("payloads", func(t *testing.T) { payloads(t, s.Payloads, s.Container) })
	t.Run("fleet", func(t *testing.T) { fleet(t, s.Fleet) })
	t.Run("blobs", func(t *testing.T) { blobs(t, s.Blobs, s.Container) })
}

func fleet(t *testing.T, f router.FleetStore) {
	ctx := t.Context()
	a, b := router.NewReplicaID(), router.NewReplicaID()
	shares := func() map[string]string {
		t.Helper()
		list, err := f.Shares(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, s := range list {
			m[s.Replica] = string(s.Data)
		}
		return m
	}
	for _, p := range []struct{ replica, data string }{{a, `{"n":1}`}, {b, `{"n":"<&>\u0000"}`}, {a, `{"n":2}`}} {
		if err := f.Publish(ctx, p.replica, []byte(p.data)); err != nil {
			t.Fatal(err)
		}
	}
	if got := shares(); len(got) != 2 || got[a] != `{"n":2}` || got[b] != `{"n":"<&>\u0000"}` {
		t.Fatalf("shares %v: want each replica's last", got)
	}
	if err := f.Remove(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := f.Remove(ctx, b); err != nil {
		t.Fatalf("removing a missing share: %v", err)
	}
	if got := shares(); len(got) != 1 || got[a] == "" {
		t.Fatalf("after removing one: %v", got)
	}

	acquire := func(holder string) bool {
		t.Helper()
		ok, err := f.AcquireLease(ctx, "leader", holder, router.MinLease)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !acquire(a) || acquire(b) {
		t.Fatal("a lease was held by two holders, or by none")
	}
	if !acquire(a) {
		t.Fatal("the holder could not acquire its own lease again")
	}
	if err := f.RenewLease(ctx, "leader", a); err != nil {
		t.Fatalf("renew by the holder: %v", err)
	}
	if err := f.RenewLease(ctx, "leader", b); !errors.Is(err, router.ErrLeaseLost) {
		t.Fatalf("renew by another: %v, want ErrLeaseLost", err)
	}
	if err := f.ReleaseLease(ctx, "leader", b); err != nil {
		t.Fatalf("release by another: %v", err)
	}
	if acquire(b) {
		t.Fatal("another's release freed the holder's lease")
	}
	if err := f.ReleaseLease(ctx, "leader", a); err != nil {
		t.Fatal(err)
	}
	if !acquire(b) {
		t.Fatal("a released lease could not be taken")
	}
	if _, err := f.AcquireLease(ctx, "other", a, router.MinLease/2); err == nil {
		t.Fatal("a lease shorter than Azure's minimum was accepted")
	}
}

func queue(t *testing.T, q router.Queue) {
	ctx := t.Context()
	body := []byte("{\"x\":\"<&>\\u0000 binary-safe\"}")
	if err := q.Enqueue(ctx, body); err != nil {
		t.Fatal(err)
	}
	if n, err := q.Depth(ctx); err != nil || n != 1 {
		t.Fatalf("depth %d, %v; want 1", n, err)
	}
	msgs, err := q.Receive(ctx, 10, 30*time.Second)
	if err != nil || len(msgs) != 1 || !bytes.Equal(msgs[0].Body, body) || msgs[0].DequeueCount != 1 {
		t.Fatalf("receive: %v %+v", err, msgs)
	}
	if again, _ := q.Receive(ctx, 10, 30*time.Second); len(again) != 0 {
		t.Fatal("a received message was visible to a second receiver")
	}
	m := msgs[0]
	old := m.PopReceipt
	if err := q.Extend(ctx, &m, 30*time.Second); err != nil || m.PopReceipt == old {
		t.Fatalf("extend: %v (pop receipt changed: %v)", err, m.PopReceipt != old)
	}
	if err := q.Delete(ctx, msgs[0]); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("delete with a stale pop receipt: %v, want not_found", err)
	}
	if err := q.Extend(ctx, &msgs[0], 30*time.Second); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("extend with a stale pop receipt: %v, want not_found (the message was lost)", err)
	}
	if err := q.Release(ctx, m); err != nil {
		t.Fatalf("release: %v", err)
	}
	back, err := q.Receive(ctx, 10, 30*time.Second)
	if err != nil || len(back) != 1 || back[0].DequeueCount != 2 {
		t.Fatalf("receive right after release: %v %+v, want the message again (second delivery)", err, back)
	}
	if err := q.Release(ctx, m); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("release with the pop receipt before the new receive: %v, want not_found", err)
	}
	if err := q.Delete(ctx, back[0]); err != nil {
		t.Fatal(err)
	}
	if n, _ := q.Depth(ctx); n != 0 {
		t.Fatalf("depth %d after delete", n)
	}
	if q.MaxMessageSize() < 32<<10 {
		t.Fatalf("MaxMessageSize %d: the work item of a small body must fit", q.MaxMessageSize())
	}
	hiddenMessage(t, q)
}

// hiddenMessage: a message stored hidden reaches no receiver until its
// writer releases it, and its writer can delete it unseen.
func hiddenMessage(t *testing.T, q router.Queue) {
	ctx := t.Context()
	first, err := q.EnqueueHidden(ctx, []byte(`{"n":1}`), time.Hour)
	if err != nil || first.ID == "" || first.PopReceipt == "" {
		t.Fatalf("enqueue hidden: %+v, %v; want the message with its pop receipt", first, err)
	}
	second, err := q.EnqueueHidden(ctx, []byte(`{"n":2}`), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if msgs, _ := q.Receive(ctx, 10, 30*time.Second); len(msgs) != 0 {
		t.Fatalf("received %d hidden messages", len(msgs))
	}
	if err := q.Delete(ctx, first); err != nil {
		t.Fatalf("delete a hidden message with its pop receipt: %v", err)
	}
	if err := q.Release(ctx, second); err != nil {
		t.Fatalf("release a hidden message: %v", err)
	}
	msgs, err := q.Receive(ctx, 10, 30*time.Second)
	if err != nil || len(msgs) != 1 || string(msgs[0].Body) != `{"n":2}` || msgs[0].DequeueCount != 1 {
		t.Fatalf("receive after release: %+v, %v; want the released message alone, first delivery", msgs, err)
	}
	if err := q.Delete(ctx, msgs[0]); err != nil {
		t.Fatal(err)
	}
}

func jobStore(t *testing.T, s router.JobStore) {
	ctx := t.Context()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	job := router.Job{ID: "0123456789abcdef0123456789abcdef", State: router.JobQueued, Created: t0, Updated: t0}
	if _, err := s.Get(ctx, job.ID); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("get of a missing job: %v, want not_found", err)
	}
	for _, state := range []router.JobState{router.JobRunning, router.JobSucceeded} {
		job.State = state
		if err := s.Put(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
	job.Result = []byte(`{"y":1}`)
	if err := s.Put(ctx, job); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, job.ID)
	if err != nil || got.State != router.JobSucceeded || string(got.Result) != `{"y":1}` || !got.Created.Equal(t0) {
		t.Fatalf("get: %+v %v; want the last record put", got, err)
	}

	c, err := s.Claim(ctx, "key", "body", "job-1")
	if err != nil || c.Existing || c.JobID != "job-1" {
		t.Fatalf("first claim: %+v %v", c, err)
	}
	c, err = s.Claim(ctx, "key", "body", "job-2")
	if err != nil || !c.Existing || c.JobID != "job-1" {
		t.Fatalf("second claim: %+v %v, want job-1's binding", c, err)
	}
	if _, err := s.Claim(ctx, "key", "other body", "job-3"); router.ErrorCode(err) != router.EIdempotencyConflict {
		t.Fatalf("claim with another body: %v, want idempotency_conflict", err)
	}
}

func payloads(t *testing.T, p router.PayloadStore, container string) {
	ctx := t.Context()
	if _, err := p.Get(ctx, container, "missing"); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("get of a missing blob: %v, want not_found", err)
	}
	for _, data := range [][]byte{[]byte("first"), []byte("second, replacing it")} {
		if err := p.Put(ctx, container, "dir/name.json", data); err != nil {
			t.Fatal(err)
		}
		if got, err := p.Get(ctx, container, "dir/name.json"); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("get: %q %v, want %q", got, err, data)
		}
	}
}
