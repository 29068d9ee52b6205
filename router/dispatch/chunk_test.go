package dispatch_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
)

// openAIModel is a batch command on OpenAI batch lines: each line is
// answered 200 with its body, unless its body holds crash (the command dies
// on it, as a model that crashes on an input does).
type openAIModel struct {
	blobs *mem.Blobs
	crash string

	mu     sync.Mutex
	inputs []string // each run's input blob
	lines  int
}

func (m *openAIModel) Execute(ctx context.Context, r router.Run) error {
	in, err := m.blobs.Get(ctx, r.InputContainer, r.InputBlob)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	crashed := false
	sc := bufio.NewScanner(bytes.NewReader(in))
	n := 0
	for sc.Scan() {
		var l struct {
			CustomID string          `json:"custom_id"`
			Body     json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return err
		}
		n++
		if m.crash != "" && strings.Contains(string(l.Body), m.crash) {
			crashed = true
		}
		fmt.Fprintf(&out, `{"id":"x","custom_id":%q,"response":{"status_code":200,"body":%s},"error":null}`+"\n", l.CustomID, l.Body)
	}
	m.mu.Lock()
	m.inputs = append(m.inputs, r.InputBlob)
	m.lines += n
	m.mu.Unlock()
	if crashed {
		return router.Errorf(router.EInternal, "batch command failed: signal: segmentation fault")
	}
	return m.blobs.Put(ctx, r.OutputContainer, r.OutputBlob, out.Bytes())
}

// chunkSink records what the dispatcher hands the Batch API.
type chunkSink struct {
	skip     bool
	mu       sync.Mutex
	outcomes map[int]router.ChunkOutcome
}

func (c *chunkSink) Skip(context.Context, router.ChunkRef) (bool, error) { return c.skip, nil }

func (c *chunkSink) Finish(_ context.Context, ref router.ChunkRef, o router.ChunkOutcome) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.outcomes == nil {
		c.outcomes = map[int]router.ChunkOutcome{}
	}
	if _, ok := c.outcomes[ref.Index]; !ok {
		c.outcomes[ref.Index] = o
	}
	return nil
}

type chunkRig struct {
	*rig
	model *openAIModel
	sink  *chunkSink
}

func newChunkRig(t *testing.T) *chunkRig {
	r := newRig()
	c := &chunkRig{rig: r, model: &openAIModel{blobs: r.blobs}, sink: &chunkSink{}}
	f, err := dispatch.NewFormat(router.FormatOpenAI, "/infer")
	if err != nil {
		t.Fatal(err)
	}
	r.cfg.Executor, r.cfg.Format, r.cfg.Chunks = c.model, f, c.sink
	return c
}

// chunk stores a chunk of n lines and queues its message.
func (c *chunkRig) chunk(t *testing.T, index, n int) router.ChunkRef {
	t.Helper()
	ref := router.ChunkRef{Batch: "batch_x", Index: index, Blob: fmt.Sprintf("openai/batches/batch_x/chunks/%06d", index)}
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"custom_id":"c%d-%d","method":"POST","url":"/v1/chat/completions","body":{"q":"c%d-%d"}}`+"\n", index, i, index, i)
	}
	if err := c.blobs.Put(t.Context(), "requests", ref.Blob, b.Bytes()); err != nil {
		t.Fatal(err)
	}
	msg, _ := json.Marshal(router.WorkItem{Chunk: &ref, Enqueued: c.clock.Now()})
	if err := c.queue.Enqueue(t.Context(), msg); err != nil {
		t.Fatal(err)
	}
	return ref
}

// A chunk is its own micro-batch: the command reads the stored chunk as it
// is, every answer reaches the Batch API, and the message goes.
func TestAChunkRunsFromItsStoredBlob(t *testing.T) {
	c := newChunkRig(t)
	ref := c.chunk(t, 0, 4)
	if _, err := c.dispatcher().Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	o := c.sink.outcomes[0]
	if len(c.model.inputs) != 1 || c.model.inputs[0] != ref.Blob || len(o.Results) != 4 || o.Results["c0-3"].Status != "ok" {
		t.Fatalf("runs %v, outcome %+v; want one run of the chunk's blob with 4 answers", c.model.inputs, o)
	}
	if n := c.depth(t, c.queue); n != 0 {
		t.Fatalf("%d messages left", n)
	}
}

// A line that crashes the command fails alone: the chunk is run again in
// halves down to that line; every other line is answered.
func TestALineThatCrashesTheModelFailsAlone(t *testing.T) {
	c := newChunkRig(t)
	c.model.crash = "c0-5"
	c.chunk(t, 0, 8)
	if _, err := c.dispatcher().Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	o := c.sink.outcomes[0]
	if len(o.Results) != 7 || len(o.Failed) != 1 || o.Failed["c0-5"].Code != router.LineJobFailed || !strings.Contains(o.Failed["c0-5"].Message, "segmentation fault") {
		t.Fatalf("outcome %+v; want 7 answers and c0-5 failed alone", o)
	}
	if n := c.depth(t, c.queue); n != 0 {
		t.Fatalf("%d messages left", n)
	}
}

// A chunk the Batch API says to skip (cancelled, expired, already done)
// does not run, and its message goes.
func TestASkippedChunkDoesNotRun(t *testing.T) {
	c := newChunkRig(t)
	c.sink.skip = true
	c.chunk(t, 0, 4)
	if _, err := c.dispatcher().Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c.model.lines != 0 || c.depth(t, c.queue) != 0 {
		t.Fatalf("%d lines run, %d messages left; want none", c.model.lines, c.depth(t, c.queue))
	}
}

// A chunk received too many times ends its lines job_failed, then goes to
// the poison queue.
func TestAChunkReceivedTooOftenIsPoisoned(t *testing.T) {
	c := newChunkRig(t)
	c.chunk(t, 0, 2)
	for range 3 { // MaxDequeue 3: receive and let reappear
		if _, err := c.queue.Receive(t.Context(), 1, time.Second); err != nil {
			t.Fatal(err)
		}
		c.clock.Advance(2 * time.Second)
	}
	if _, err := c.dispatcher().Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	o, ok := c.sink.outcomes[0]
	if !ok || o.All == nil || o.All.Code != router.LineJobFailed || c.model.lines != 0 {
		t.Fatalf("outcome %+v (stored %v), %d lines run", o, ok, c.model.lines)
	}
	if c.depth(t, c.queue) != 0 || c.depth(t, c.poison) != 1 {
		t.Fatalf("queue %d, poison %d; want 0 and 1", c.depth(t, c.queue), c.depth(t, c.poison))
	}
}

// Chunks and jobs share the dispatcher: each chunk runs alone, from its
// blob, and the jobs together in a micro-batch of their own.
func TestChunksAndJobsRunSideBySide(t *testing.T) {
	c := newChunkRig(t)
	job := c.submit(t, `{"text":"a job"}`)
	for i := range 3 {
		c.chunk(t, i, 2)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	c.cfg.Workers, c.cfg.Idle = 2, 10*time.Millisecond
	d := c.dispatcher()
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.sink.mu.Lock()
		n := len(c.sink.outcomes)
		c.sink.mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 3 chunks finished", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for c.job(t, job).State != router.JobSucceeded && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if c.model.lines != 7 || len(c.model.inputs) != 4 || c.job(t, job).State != router.JobSucceeded {
		t.Fatalf("%d lines in %d runs, job %s; want 7 lines in 4 runs (3 chunks, 1 of jobs), the job answered", c.model.lines, len(c.model.inputs), c.job(t, job).State)
	}
}
