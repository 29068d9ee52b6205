package dispatch_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/testclock"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
)

// fakeModel is an executor that answers each input line as the model would
// ("ok" with the body echoed), unless told otherwise per job: crash makes
// the whole run fail as a killed batch command does, drop leaves the job's
// line out of the output. block, when set, holds every run until closed.
type fakeModel struct {
	blobs *mem.Blobs
	crash string // a body substring that kills the command
	drop  string // a body substring whose line the command leaves out
	fail  error  // returned by every run (an executor that cannot run)
	block chan struct{}

	mu      sync.Mutex
	runs    [][]string   // job ids of each run, in order
	targets []router.Run // each run as the executor got it
	seen    map[string]int
}

func (f *fakeModel) Execute(ctx context.Context, r router.Run) error {
	in, err := f.blobs.Get(ctx, r.InputContainer, r.InputBlob)
	if err != nil {
		return err
	}
	var ids []string
	var out bytes.Buffer
	crashed := false
	sc := bufio.NewScanner(bytes.NewReader(in))
	for sc.Scan() {
		var l router.BatchLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return err
		}
		ids = append(ids, l.ID)
		switch {
		case f.crash != "" && strings.Contains(string(l.Body), f.crash):
			crashed = true
		case f.drop != "" && strings.Contains(string(l.Body), f.drop):
		default:
			b, _ := json.Marshal(router.ResultLine{ID: l.ID, Status: "ok", Body: l.Body})
			out.Write(append(b, '\n'))
		}
	}
	f.mu.Lock()
	f.runs = append(f.runs, ids)
	f.targets = append(f.targets, r)
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	for _, id := range ids {
		f.seen[id]++
	}
	f.mu.Unlock()
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return router.WrapError(router.EUnavailable, "run abandoned", ctx.Err())
		}
	}
	if f.fail != nil {
		return f.fail
	}
	if crashed {
		return router.Errorf(router.EInternal, "batch command failed: signal: killed (exit status 137)")
	}
	return f.blobs.Put(ctx, r.OutputContainer, r.OutputBlob, out.Bytes())
}

func (f *fakeModel) timesRun(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[id]
}

// rig is a dispatcher on the in-memory stores with a fake clock.
type rig struct {
	clock         *testclock.Clock
	queue, poison *mem.Queue
	store         *mem.Store
	blobs         *mem.Blobs
	model         *fakeModel
	svc           *jobs.Service
	cfg           dispatch.Config
}

func newRig() *rig {
	c := testclock.At(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	r := &rig{clock: c, queue: &mem.Queue{Now: c.Now}, poison: &mem.Queue{Now: c.Now}, store: mem.NewStore(), blobs: &mem.Blobs{}}
	r.model = &fakeModel{blobs: r.blobs}
	r.svc = &jobs.Service{Queue: r.queue, Store: r.store, Payloads: r.blobs, RequestContainer: "requests", Now: c.Now}
	r.cfg = dispatch.Config{
		Queue: r.queue, Poison: r.poison, Jobs: r.store, Payloads: r.blobs, Executor: r.model,
		RequestContainer: "requests", ResultContainer: "results", Now: c.Now,
		Visibility: time.Minute, MaxDequeue: 3,
	}
	return r
}

func (r *rig) dispatcher() *dispatch.Dispatcher { return dispatch.New(r.cfg) }

func (r *rig) submit(t *testing.T, body string) string {
	t.Helper()
	job, _, err := r.svc.Submit(t.Context(), router.Submission{Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	return job.ID
}

// job is the job as GET /v1/jobs/{id} shows it.
func (r *rig) job(t *testing.T, id string) router.Job {
	t.Helper()
	job, err := r.svc.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func (r *rig) depth(t *testing.T, q *mem.Queue) int {
	t.Helper()
	n, err := q.Depth(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (r *rig) poisonReasons(t *testing.T) map[string]string {
	t.Helper()
	msgs, err := r.poison.Receive(t.Context(), 32, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range msgs {
		var rec struct{ JobID, Reason string }
		var raw map[string]any
		if err := json.Unmarshal(m.Body, &raw); err != nil {
			t.Fatalf("poison record %s: %v", m.Body, err)
		}
		rec.JobID, _ = raw["job_id"].(string)
		rec.Reason, _ = raw["reason"].(string)
		out[rec.JobID] = rec.Reason
	}
	return out
}

func TestRunFinishesJobsAndStampsThemWithTheClock(t *testing.T) {
	r := newRig()
	id := r.submit(t, `{"text":"a"}`)
	r.clock.Advance(time.Hour)
	if n, err := r.dispatcher().Once(t.Context()); err != nil || n != 1 {
		t.Fatalf("Once: %d, %v", n, err)
	}
	job := r.job(t, id)
	if job.State != router.JobSucceeded || string(job.Result) != `{"text":"a"}` {
		t.Fatalf("job %+v, want succeeded with the model's answer", job)
	}
	if want := r.clock.Now(); !job.Updated.Equal(want) || job.Attempts != 1 {
		t.Fatalf("job updated %s after %d attempts, want %s (the injected clock) after 1", job.Updated, job.Attempts, want)
	}
	if n := r.depth(t, r.queue); n != 0 {
		t.Fatalf("%d messages left after the run", n)
	}
}

// A message delivered again after its job finished (a delete that was
// lost) is dropped, not run again — even past the receive limit, where it
// must not turn the finished job into a failed one.
func TestDuplicateDeliveryOfAFinishedJobIsDropped(t *testing.T) {
	r := newRig()
	id := r.submit(t, `{"text":"once"}`)
	// The same work item enqueued twice, as a retried enqueue would.
	msgs, _ := r.queue.Receive(t.Context(), 1, 0)
	for range 2 {
		if err := r.queue.Enqueue(t.Context(), msgs[0].Body); err != nil {
			t.Fatal(err)
		}
	}
	d := r.dispatcher()
	if _, err := d.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The duplicates were left hidden by the first run; they reappear now.
	r.clock.Advance(2 * r.cfg.Visibility)
	if _, err := d.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if job := r.job(t, id); job.State != router.JobSucceeded || len(job.Result) == 0 {
		t.Fatalf("finished job after duplicate deliveries: %+v, want it still succeeded with its result", job)
	}
	if n := r.model.timesRun(id); n != 1 {
		t.Fatalf("the job ran %d times, want once", n)
	}
	if n, p := r.depth(t, r.queue), r.depth(t, r.poison); n != 0 || p != 0 {
		t.Fatalf("%d messages left in the work queue and %d in the poison queue, want none", n, p)
	}
}

// A duplicate delivered past the receive limit while its job is finished
// must leave the job alone: the state is read before receives are counted.
func TestPoisonPathNeverOverwritesAFinishedJob(t *testing.T) {
	r := newRig()
	id := r.submit(t, `{"text":"done"}`)
	if _, err := r.dispatcher().Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Put the job's message back and receive it until it is past the limit.
	body, _ := json.Marshal(router.WorkItem{JobID: id, Body: json.RawMessage(`{"text":"done"}`)})
	if err := r.queue.Enqueue(t.Context(), body); err != nil {
		t.Fatal(err)
	}
	for range r.cfg.MaxDequeue {
		if _, err := r.queue.Receive(t.Context(), 1, time.Second); err != nil {
			t.Fatal(err)
		}
		r.clock.Advance(2 * time.Second)
	}
	if _, err := r.dispatcher().Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if job := r.job(t, id); job.State != router.JobSucceeded {
		t.Fatalf("a duplicate past the receive limit turned the finished job %s: %s", job.State, job.Error)
	}
	if p := r.depth(t, r.poison); p != 0 {
		t.Fatalf("a finished job's duplicate went to the poison queue (%d messages)", p)
	}
}

// A message lost to another receiver (its visibility ran out and the
// extension found it gone) still has its job finished by the first
// dispatcher; the other receiver then drops it instead of running it again.
func TestLostVisibilityExtension(t *testing.T) {
	r := newRig()
	r.cfg.Visibility = 30 * time.Millisecond // extended every 10 ms of real time
	r.model.block = make(chan struct{})
	id := r.submit(t, `{"text":"slow"}`)
	done := make(chan error, 1)
	go func() { _, err := r.dispatcher().Once(t.Context()); done <- err }()
	waitFor(t, "the run to start", func() bool { return r.model.timesRun(id) == 1 })
	// The visibility lapses (the clock jumps past it) and another receiver
	// takes the message, which replaces its pop receipt.
	waitFor(t, "a second receiver to take the message", func() bool {
		r.clock.Advance(time.Hour)
		other, err := r.queue.Receive(t.Context(), 1, time.Hour)
		return err == nil && len(other) == 1
	})
	time.Sleep(50 * time.Millisecond) // a few extension attempts fail meanwhile
	close(r.model.block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if job := r.job(t, id); job.State != router.JobSucceeded {
		t.Fatalf("job %+v, want succeeded by the first dispatcher", job)
	}
	if n := r.depth(t, r.queue); n != 1 {
		t.Fatalf("%d messages, want the other receiver's one left alone", n)
	}
	r.clock.Advance(2 * time.Hour)
	r.model.block = nil
	if _, err := r.dispatcher().Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := r.model.timesRun(id); n != 1 {
		t.Fatalf("the job ran %d times, want once", n)
	}
	if n := r.depth(t, r.queue); n != 0 {
		t.Fatalf("%d messages left", n)
	}
}

func TestMissingOutputLineFailsOnlyThatJob(t *testing.T) {
	r := newRig()
	r.model.drop = "forgotten"
	good := r.submit(t, `{"text":"kept"}`)
	lost := r.submit(t, `{"text":"forgotten"}`)
	if _, err := r.dispatcher().Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if job := r.job(t, good); job.State != router.JobSucceeded {
		t.Fatalf("job with an output line: %+v", job)
	}
	if job := r.job(t, lost); job.State != router.JobFailed || !strings.Contains(job.Error, "no line") {
		t.Fatalf("job without an output line: %+v, want failed saying its line is missing", job)
	}
	if n := r.depth(t, r.queue); n != 0 {
		t.Fatalf("%d messages left", n)
	}
}

// Work given back unfinished is visible again at once: the next receive
// gets it without waiting out the visibility timeout.
func TestRequeueMakesMessagesVisibleAtOnce(t *testing.T) {
	t.Run("executor unavailable", func(t *testing.T) {
		r := newRig()
		r.model.fail = router.Errorf(router.EUnavailable, "pool unreachable")
		ids := []string{r.submit(t, `{"text":"a"}`), r.submit(t, `{"text":"b"}`)}
		if _, err := r.dispatcher().Once(t.Context()); router.ErrorCode(err) != router.EUnavailable {
			t.Fatalf("Once: %v, want the executor's unavailable error", err)
		}
		wantRequeued(t, r, ids)
	})
	t.Run("dispatcher stopped mid-run", func(t *testing.T) {
		r := newRig()
		r.model.block = make(chan struct{})
		ids := []string{r.submit(t, `{"text":"a"}`), r.submit(t, `{"text":"b"}`)}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { r.dispatcher().Run(ctx); close(done) }()
		waitFor(t, "the run to start", func() bool { return r.model.timesRun(ids[0]) == 1 })
		cancel()
		<-done
		wantRequeued(t, r, ids)
	})
}

func wantRequeued(t *testing.T, r *rig, ids []string) {
	t.Helper()
	for _, id := range ids {
		if job := r.job(t, id); job.State != router.JobQueued {
			t.Fatalf("job %s is %s after its run was given back, want queued", id, job.State)
		}
	}
	msgs, err := r.queue.Receive(t.Context(), 32, time.Minute) // the clock has not moved
	if err != nil || len(msgs) != len(ids) {
		t.Fatalf("received %d of %d given-back messages at once (%v): they wait out their visibility timeout", len(msgs), len(ids), err)
	}
}

func TestMessageReceivedTooOftenIsPoisonedWithTheReason(t *testing.T) {
	r := newRig()
	r.model.fail = router.Errorf(router.EUnavailable, "pool unreachable")
	id := r.submit(t, `{"text":"a"}`)
	d := r.dispatcher()
	for range r.cfg.MaxDequeue + 1 {
		_, _ = d.Once(t.Context())
	}
	if job := r.job(t, id); job.State != router.JobFailed || !strings.Contains(job.Error, "poison") {
		t.Fatalf("job %+v, want failed, moved to the poison queue", job)
	}
	if reason := r.poisonReasons(t)[id]; !strings.Contains(reason, "received 4 times") {
		t.Fatalf("poison reason %q, want the receive count", reason)
	}
	if n := r.depth(t, r.queue); n != 0 {
		t.Fatalf("%d messages left in the work queue", n)
	}
}

// One input that kills the batch command fails alone: the micro-batch is
// split until the culprit runs by itself, and the good jobs succeed.
func TestCrashingInputFailsAloneInAFullBatch(t *testing.T) {
	r := newRig()
	r.model.crash = "out of memory"
	var good []string
	for i := range 31 {
		good = append(good, r.submit(t, `{"text":"good `+string(rune('a'+i%26))+`"}`))
	}
	bad := r.submit(t, `{"text":"out of memory"}`)
	if _, err := r.dispatcher().Once(t.Context()); err != nil {
		t.Fatalf("Once: %v", err)
	}
	for _, id := range good {
		if job := r.job(t, id); job.State != router.JobSucceeded {
			t.Fatalf("good job %s is %s (%s), want succeeded", id, job.State, job.Error)
		}
	}
	job := r.job(t, bad)
	if job.State != router.JobFailed || !strings.Contains(job.Error, "exit status 137") {
		t.Fatalf("crashing job %+v, want failed with the command's error", job)
	}
	if reason := r.poisonReasons(t)[bad]; !strings.Contains(reason, "failed on this input alone") {
		t.Fatalf("poison reason %q, want the isolated failure", reason)
	}
	if n := r.depth(t, r.queue); n != 0 {
		t.Fatalf("%d messages left in the work queue", n)
	}
	if n := len(r.model.runs); n > 2*6 {
		t.Fatalf("%d runs to isolate one input in 32, want at most %d (two per halving)", n, 2*6)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// started is how many runs the model has begun.
func (f *fakeModel) started() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.runs)
}

// Attempts with one Idempotency-Key each store a message; the one job the
// key is bound to runs, once, and the other messages are dropped unrun.
func TestOnlyTheJobAKeyIsBoundToRuns(t *testing.T) {
	r := newRig()
	sub := router.Submission{Body: []byte(`{"text":"once"}`), IdempotencyKey: "k"}
	var ids []string
	for range 3 {
		job, _, err := r.svc.Submit(t.Context(), sub)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, job.ID)
	}
	if r.depth(t, r.queue) != 3 || ids[1] != ids[0] || ids[2] != ids[0] {
		t.Fatalf("%d messages, jobs %v; want 3 messages for one job", r.depth(t, r.queue), ids)
	}
	if _, err := r.dispatcher().Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r.model.timesRun(ids[0]) != 1 || len(r.model.runs) != 1 || len(r.model.runs[0]) != 1 || r.depth(t, r.queue) != 0 {
		t.Fatalf("runs %v, %d messages left; want the bound job run once and the rest dropped", r.model.runs, r.depth(t, r.queue))
	}
}

// A router that stopped after storing a keyed job's message but before
// binding the key: the dispatcher binds it and runs the job, and a retry
// with the key is answered that job.
func TestAKeyedJobWhoseBindingWasLostStillRunsOnce(t *testing.T) {
	r := newRig()
	body := []byte(`{"text":"x"}`)
	item := router.WorkItem{JobID: jobs.NewID(r.clock.Now()), Body: body, KeyHash: "kh", BodyHash: "bh", Enqueued: r.clock.Now()}
	msg, _ := json.Marshal(item)
	if err := r.queue.Enqueue(t.Context(), msg); err != nil { // the message, and then nothing
		t.Fatal(err)
	}
	if _, err := r.dispatcher().Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r.job(t, item.JobID).State != router.JobSucceeded || r.model.timesRun(item.JobID) != 1 {
		t.Fatalf("job %+v run %d times", r.job(t, item.JobID), r.model.timesRun(item.JobID))
	}
	if c, err := r.store.Claim(t.Context(), "kh", "bh", "another"); err != nil || c.JobID != item.JobID {
		t.Fatalf("binding %+v %v; want the key bound to the job that ran", c, err)
	}
}
