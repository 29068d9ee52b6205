package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// Jobs that arrive while a micro-batch gathers join it: one Batch task
// loads the model once for all of them, instead of a task each.
func TestGatherWaitsForMoreJobsBeforeCuttingTheBatch(t *testing.T) {
	r := newRig()
	r.cfg.Gather, r.cfg.Idle = 400*time.Millisecond, 20*time.Millisecond
	r.submit(t, `{"n":1}`)
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := r.dispatcher().Once(t.Context())
		done <- result{n, err}
	}()
	time.Sleep(100 * time.Millisecond)
	r.submit(t, `{"n":2}`)
	r.submit(t, `{"n":3}`)
	res := <-done
	if res.err != nil || res.n != 3 {
		t.Fatalf("Once = %d messages, %v; want the 3 jobs that arrived within the gather", res.n, res.err)
	}
	if len(r.model.runs) != 1 || len(r.model.runs[0]) != 3 {
		t.Fatalf("runs %v, want one run of 3 jobs", r.model.runs)
	}
}

// A batch larger than one receive (32 messages) is received in several.
func TestBatchSizeBeyondOneReceive(t *testing.T) {
	r := newRig()
	r.cfg.BatchSize = 70
	for range 80 {
		r.submit(t, `{}`)
	}
	n, err := r.dispatcher().Once(t.Context())
	if err != nil || n != 70 {
		t.Fatalf("Once = %d messages, %v; want 70", n, err)
	}
	if len(r.model.runs) != 1 || len(r.model.runs[0]) != 70 {
		t.Fatalf("want one run of 70 jobs, got %d runs", len(r.model.runs))
	}
}

// With Workers 0 the dispatcher runs as many micro-batches at once as the
// settings' max-batch-nodes, and no more: each run holds one Batch task, so
// one run at a time would keep all but one node idle and the pool's formula,
// which counts tasks, would never ask for more.
func TestRunsOneMicroBatchPerNodeAtOnce(t *testing.T) {
	r := newRig()
	const nodes = 3
	r.cfg.BatchSize, r.cfg.Idle = 2, 10*time.Millisecond
	s := router.DefaultSettings()
	s.MaxBatchNodes = nodes
	cat, err := models.One("http://127.0.0.1:1/infer", live.NewSettings(s, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.cfg.Models = cat
	r.model.block = make(chan struct{})
	for range 2 * (nodes + 1) {
		r.submit(t, `{}`)
	}
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { dispatch.New(r.cfg).Run(ctx); close(stopped) }()

	deadline := time.Now().Add(5 * time.Second)
	for r.model.started() < nodes && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // room for a run too many to start
	if got := r.model.started(); got != nodes {
		t.Fatalf("%d runs under way at once, want %d (max-batch-nodes)", got, nodes)
	}
	close(r.model.block)
	for r.depth(t, r.queue) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-stopped
	if got := r.model.started(); got != nodes+1 {
		t.Fatalf("%d runs in all, want %d", got, nodes+1)
	}
}
