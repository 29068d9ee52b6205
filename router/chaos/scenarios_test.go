package chaos

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func text(i int) string { return fmt.Sprintf(`{"text":"job %d"}`, i) }

// No fault, but every job is sent twice at once under its key: nothing may
// be lost and no job may run twice.
func TestNoFaultRace(t *testing.T) {
	e := newEnv(t, false)
	p := e.start("local")
	n := 48
	if chaosOn() {
		n = 256
	}
	ids := submitAll(func() string { return p.url }, n, 8, text, true, time.Now().Add(time.Minute), nil)
	r := e.tally("no-fault race (each job sent twice)", p.url, ids, 90*time.Second)
	if r.accepted != n || r.succeeded != n || r.duplicated != 0 {
		t.Fatalf("%+v: want %d accepted and succeeded, none run twice", r, n)
	}
}

// 50 concurrent POSTs with one key: one job, one message, one run.
func TestConcurrentRetriesOneKey(t *testing.T) {
	e := newEnv(t, false)
	p := e.start("local")
	until := time.Now().Add(30 * time.Second)
	ids := make([]string, 50)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() { ids[i] = submit(p.url, "the-one-key", `{"text":"once"}`, until) })
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("one key answered with jobs %s and %s", ids[0], id)
		}
	}
	r := e.tally("50 concurrent retries, one key", p.url, ids[:1], time.Minute)
	if n := e.runs()[ids[0]]; n != 1 || r.succeeded != 1 {
		t.Fatalf("the job ran %d times (%+v), want once", n, r)
	}
}

// A full micro-batch of 31 good inputs and one that kills the model: only
// the culprit fails.
func TestPoisonInputInAFullBatch(t *testing.T) {
	e := newEnv(t, false)
	acceptor := e.start("none") // accepts only, so that all 32 wait in the queue
	until := time.Now().Add(time.Minute)
	body := func(i int) string {
		if i == 31 {
			return `{"text":"CRASH_ME"}`
		}
		return text(i)
	}
	ids := submitAll(func() string { return acceptor.url }, 32, 8, body, false, until, nil)
	acceptor.stop()
	p := e.start("local")
	r := e.tally("poison input in a full micro-batch", p.url, ids, 2*time.Minute)
	if r.succeeded != 31 || r.failed != 1 {
		t.Fatalf("%+v: want the 31 good jobs succeeded and the crashing one failed", r)
	}
}

// Slow clients trickling bodies do not keep others from being accepted, and
// are cut off.
func TestSlowClients(t *testing.T) {
	chaosOnly(t) // waits out the default body deadline
	e := newEnv(t, false)
	p := e.start("local")
	addr := strings.TrimPrefix(p.url, "http://")
	var conns []net.Conn
	for range 100 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /v1/infer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Route: batch\r\nContent-Length: 100\r\n\r\n{", apiKey)
		conns = append(conns, c)
	}
	ids := submitAll(func() string { return p.url }, 60, 8, text, false, time.Now().Add(time.Minute), nil)
	e.tally("100 slow clients + 60 jobs", p.url, ids, time.Minute)
	// Each slow body has the default deadline for 100 bytes (10 s).
	cut := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
		if _, err := c.Read(make([]byte, 512)); err == nil || !isTimeout(err) {
			cut++
		}
	}
	if cut != len(conns) {
		t.Fatalf("%d of %d slow clients were cut off within the body deadline", cut, len(conns))
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// kill -9 of the router while a micro-batch runs; a new router takes over.
func TestKillRouterMidBatch(t *testing.T) {
	chaosOnly(t)
	e := newEnv(t, false)
	p := e.start("local")
	slow := func(i int) string { return fmt.Sprintf(`{"text":"job %d","sleep_ms":50}`, i) }
	ids := submitAll(func() string { return p.url }, 96, 8, slow, false, time.Now().Add(time.Minute), nil)
	waitRunning(t, e)
	p.kill()
	second := e.start("local")
	e.tally("kill -9 router mid-batch", second.url, ids, 2*time.Minute)
}

// kill -9 of the model process while a micro-batch runs.
func TestKillModelMidBatch(t *testing.T) {
	chaosOnly(t)
	e := newEnv(t, false)
	p := e.start("local")
	slow := func(i int) string { return fmt.Sprintf(`{"text":"job %d","sleep_ms":50}`, i) }
	ids := submitAll(func() string { return p.url }, 96, 8, slow, false, time.Now().Add(time.Minute), nil)
	waitRunning(t, e)
	if !e.killModel() {
		t.Fatal("no model process to kill")
	}
	e.tally("kill -9 model mid-batch", p.url, ids, 2*time.Minute)
}

// The storage emulator stopped (gracefully: Azurite saves its data only
// every few seconds otherwise) and started again during acceptance.
func TestStorageRestartDuringAcceptance(t *testing.T) {
	chaosOnly(t)
	e := newEnv(t, true)
	p := e.start("local")
	fault := func() {
		e.az.StopGracefully()
		time.Sleep(2 * time.Second)
		e.az.Restart()
	}
	ids := submitAll(func() string { return p.url }, 120, 8, text, false, time.Now().Add(2*time.Minute), fault)
	e.tally("storage restarted during acceptance", p.url, ids, 2*time.Minute)
}

// expediteAll submits n jobs at once whose deadline the pool cannot meet
// (a fresh router expects it to take 10 minutes) and a starting app can
// (COLD_START=1s): the router expedites them to the app.
func expediteAll(url string, n int, body string, deadline time.Duration) []string {
	until := time.Now().Add(time.Minute)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var ids []string
	for i := range n {
		wg.Go(func() {
			id := submit(url, fmt.Sprintf("exp-%d-%d", i, time.Now().UnixNano()), fmt.Sprintf(body, i), until,
				"X-Deadline-Ms", strconv.FormatInt(deadline.Milliseconds(), 10))
			mu.Lock()
			defer mu.Unlock()
			if id != "" {
				ids = append(ids, id)
			}
		})
	}
	wg.Wait()
	return ids
}

// Expedited jobs are answered by the app, none by the pool.
func TestExpeditedJobs(t *testing.T) {
	e := newEnv(t, false)
	p := e.start("local", "COLD_START=1s")
	ids := e.tally("expedited jobs, no fault", p.url, expediteAll(p.url, 32, `{"text":"job %d"}`, 10*time.Second), time.Minute)
	if n := len(e.runs()); n != 0 || ids.succeeded != 32 {
		t.Fatalf("%d of 32 succeeded, %d run on the pool; want all on the app", ids.succeeded, n)
	}
}

// kill -9 of the router while the app answers expedited jobs: their
// messages, hidden until after the deadline, reach the next router's pool.
func TestKillRouterDuringExpeditedJobs(t *testing.T) {
	chaosOnly(t)
	e := newEnv(t, false)
	p := e.start("local", "COLD_START=1s")
	ids := expediteAll(p.url, 16, `{"text":"job %d","sleep_ms":2000}`, 6*time.Second)
	time.Sleep(time.Second) // every call is on the app, none answered
	p.kill()
	second := e.start("local", "COLD_START=1s")
	r := e.tally("kill -9 router during expedited jobs", second.url, ids, 2*time.Minute)
	if runs := e.runs(); len(runs) != r.succeeded {
		t.Fatalf("%d jobs ran on the pool, %d succeeded; want every job finished by the pool after the kill", len(runs), r.succeeded)
	}
}

func waitRunning(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if entries, _ := readDir(e.pids); entries > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no model run started")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
