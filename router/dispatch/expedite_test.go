package dispatch_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// fakeApp is the inference app's realtime endpoint: it echoes the body, or
// fails every call with fail.
type fakeApp struct {
	fail  error
	mu    sync.Mutex
	calls int
}

func (f *fakeApp) Infer(_ context.Context, body []byte) (router.ResultLine, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.fail != nil {
		return router.ResultLine{}, f.fail
	}
	return router.ResultLine{Status: "ok", Body: json.RawMessage(body)}, nil
}

// expediteRig is a rig whose job service expedites through a running
// dispatcher.
func expediteRig(t *testing.T, app *fakeApp) (*rig, func()) {
	r := newRig()
	r.cfg.Realtime, r.cfg.Idle = func(*models.Revision) router.Inferer { return app }, 10*time.Millisecond
	d := dispatch.New(r.cfg)
	r.svc.Expediter = d
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { d.Run(ctx); close(stopped) }()
	return r, func() { cancel(); <-stopped }
}

// expediteAndWait submits an expedited job due in a minute and returns its
// record once it has succeeded, or after 5 s.
func (r *rig) expediteAndWait(t *testing.T) router.Job {
	t.Helper()
	job, _, err := r.svc.Submit(t.Context(), router.Submission{Body: []byte(`{"q":"soon"}`), Expedite: true, Deadline: r.clock.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		job := r.job(t, job.ID)
		if job.State == router.JobSucceeded || time.Now().After(deadline) {
			return job
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// An expedited job is answered by the app: the pool never runs it, and its
// message, stored hidden, is gone once the job is finished.
func TestExpeditedJobRunsOnTheApp(t *testing.T) {
	app := &fakeApp{}
	r, stop := expediteRig(t, app)
	defer stop()
	got := r.expediteAndWait(t)
	if got.State != router.JobSucceeded || string(got.Result) != `{"q":"soon"}` {
		t.Fatalf("job %+v, want succeeded with the app's answer", got)
	}
	if app.calls != 1 || r.model.started() != 0 {
		t.Fatalf("app calls %d, pool runs %d; want 1 and 0", app.calls, r.model.started())
	}
	if n := r.depth(t, r.queue); n != 0 {
		t.Fatalf("queue depth %d after the job finished, want 0", n)
	}
}

// When the app does not answer, the job is not lost: its message is
// released at once and the pool runs it.
func TestExpeditedJobFallsBackToThePool(t *testing.T) {
	app := &fakeApp{fail: router.Errorf(router.EUnavailable, "the inference app answered 503")}
	r, stop := expediteRig(t, app)
	defer stop()
	got := r.expediteAndWait(t)
	if got.State != router.JobSucceeded || app.calls != 1 || r.model.timesRun(got.ID) != 1 {
		t.Fatalf("job %s after %d app calls and %d pool runs; want succeeded on the pool after 1 failed call", got.State, app.calls, r.model.timesRun(got.ID))
	}
}

// Without a running dispatcher an expedited job's message is released for
// the pool at once, not left hidden until its deadline.
func TestExpediteWithoutRunLeavesTheJobToThePool(t *testing.T) {
	r := newRig()
	r.cfg.Realtime = func(*models.Revision) router.Inferer { return &fakeApp{} }
	r.svc.Expediter = dispatch.New(r.cfg)
	for range 300 { // more than the dispatcher takes without Run
		if _, _, err := r.svc.Submit(t.Context(), router.Submission{Body: []byte(`{}`), Expedite: true, Deadline: r.clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		msgs, err := r.queue.Receive(t.Context(), 32, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) > 0 || time.Now().After(deadline) {
			if len(msgs) == 0 {
				t.Fatal("no expedited job's message became visible for the pool")
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
