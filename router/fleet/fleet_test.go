package fleet

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/testclock"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// duty counts how many replicas run it at once, and at most.
type duty struct{ now, most atomic.Int64 }

func (d *duty) run(ctx context.Context) {
	n := d.now.Add(1)
	for m := d.most.Load(); n > m && !d.most.CompareAndSwap(m, n); m = d.most.Load() {
	}
	<-ctx.Done()
	d.now.Add(-1)
}

func replicas(n int, store *mem.Fleet, c *testclock.Clock) []*Fleet {
	var fs []*Fleet
	for range n {
		cat, err := models.One("http://127.0.0.1:1/infer", live.NewSettings(router.DefaultSettings(), nil), nil)
		if err != nil {
			panic(err)
		}
		f := New(Config{Store: store, Models: cat, Sync: 5 * time.Millisecond, Lead: true, Now: c.Now})
		f.renewEvery = 10 * time.Millisecond
		fs = append(fs, f)
	}
	return fs
}

func leading(fs []*Fleet) (n int, who *Fleet) {
	for _, f := range fs {
		if f.Leading() {
			n, who = n+1, f
		}
	}
	return n, who
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5 s: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Of three replicas one leads; when it stops, another takes over, and
// never do two run the duty at once.
func TestOneReplicaLeadsAndAnotherTakesOver(t *testing.T) {
	c := testclock.At(time.Unix(1_700_000_000, 0))
	store := &mem.Fleet{Now: c.Now}
	fs := replicas(3, store, c)
	var d duty
	stops := map[*Fleet]context.CancelFunc{}
	var wg sync.WaitGroup
	for _, f := range fs {
		ctx, cancel := context.WithCancel(t.Context())
		stops[f] = cancel
		wg.Go(func() { f.Run(ctx) })
		wg.Go(func() { f.Lead(ctx, d.run) })
	}
	defer func() {
		for _, stop := range stops {
			stop()
		}
		wg.Wait()
	}()
	eventually(t, "one leader", func() bool { n, _ := leading(fs); return n == 1 })
	time.Sleep(100 * time.Millisecond) // renewals and retries go on
	if n, _ := leading(fs); n != 1 || d.most.Load() != 1 {
		t.Fatalf("%d leaders, duty run by %d at once; want 1 and 1", n, d.most.Load())
	}
	_, first := leading(fs)
	stops[first]() // a graceful stop gives the lease up
	eventually(t, "a new leader", func() bool { n, who := leading(fs); return n == 1 && who != first })
	if d.most.Load() != 1 {
		t.Fatalf("the duty ran %d times at once during the takeover", d.most.Load())
	}
}

// A leader whose lease was taken over (it could not renew in time) stops
// its duty at its next renewal.
func TestALeaderThatLostItsLeaseStepsDown(t *testing.T) {
	c := testclock.At(time.Unix(1_700_000_000, 0))
	store := &mem.Fleet{Now: c.Now}
	fs := replicas(1, store, c)
	var d duty
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); fs[0].Lead(ctx, d.run) }()
	eventually(t, "leading", fs[0].Leading)
	store.Fail.Store(true) // renewals fail
	time.Sleep(30 * time.Millisecond)
	if !fs[0].Leading() {
		t.Fatal("stepped down on a failed renewal well within the lease")
	}
	c.Advance(LeaseTTL) // past the step-down margin: the lease may expire any moment
	eventually(t, "stepped down", func() bool { return !fs[0].Leading() && d.now.Load() == 0 })
	cancel()
	<-done
}

// One wake-up per lease period, whichever replica asks.
func TestOneReplicaWakesTheApp(t *testing.T) {
	c := testclock.At(time.Unix(1_700_000_000, 0))
	store := &mem.Fleet{Now: c.Now}
	fs := replicas(3, store, c)
	woke := 0
	for _, f := range fs {
		if f.TakeWake(t.Context(), "default") {
			woke++
		}
	}
	if woke != 1 {
		t.Fatalf("%d replicas may wake the app, want 1", woke)
	}
	c.Advance(LeaseTTL + time.Second)
	if !fs[2].TakeWake(t.Context(), "default") {
		t.Fatal("no wake-up allowed after the lease expired")
	}
	if alone := New(Config{}); !alone.TakeWake(t.Context(), "default") {
		t.Fatal("a router without a fleet store may not wake the app")
	}
}

// Replicas read each other's shares: each one's state counts the others'
// requests, and a replica that stopped publishing stops counting.
func TestReplicasShareTheirLoad(t *testing.T) {
	c := testclock.At(time.Unix(1_700_000_000, 0))
	store := &mem.Fleet{Now: c.Now}
	fs := replicas(2, store, c)
	fs[1].tracker().Begin(c.Now())
	fs[1].tracker().Begin(c.Now())
	fs[1].sync(t.Context(), time.Second)
	fs[0].sync(t.Context(), time.Second)
	if st := fs[0].tracker().Snapshot(c.Now()); st.InFlight != 2 || fs[0].replicas.Load() != 2 {
		t.Fatalf("in flight %d with %d replicas seen; want the peer's 2, and 2", st.InFlight, fs[0].replicas.Load())
	}
	c.Advance(live.Stale(time.Second) + time.Millisecond)
	fs[0].sync(t.Context(), time.Second)
	if st := fs[0].tracker().Snapshot(c.Now()); st.InFlight != 0 || fs[0].replicas.Load() != 1 {
		t.Fatalf("a silent peer still counts: in flight %d, %d replicas", st.InFlight, fs[0].replicas.Load())
	}
}

// tracker is the live state of a test replica's one model.
func (f *Fleet) tracker() *live.Tracker { return f.cfg.Models.Default().Stable().Tracker }
