package batchapi

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// The fixture's router serves three models: m-1 (key m) and small-1 (alias
// small, key small) run OpenAI batch lines, ref-1 reference lines.
func catalog(t *testing.T) *models.Catalog {
	t.Helper()
	cat, err := models.New([]config.Model{
		{Name: "m-1", Key: "m", InferenceURL: "http://m/infer", API: router.FormatOpenAI},
		{Name: "small-1", Key: "small", Aliases: []string{"small"}, InferenceURL: "http://small/infer", API: router.FormatOpenAI},
		{Name: "ref-1", Key: "ref", InferenceURL: "http://ref/infer", API: router.FormatReference},
	}, live.NewSettings(router.DefaultSettings(), nil))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// fixture is the Batch API on in-memory stores, with a clock the test moves
// and no dispatcher: the test plays the pool (runChunks).
type fixture struct {
	svc   *Service
	blobs *mem.Blobs
	queue *mem.Queue
	now   time.Time
}

func newFixture(t *testing.T, cfg Config) *fixture {
	f := &fixture{blobs: &mem.Blobs{}, queue: &mem.Queue{}, now: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	f.blobs.Now = func() time.Time { return f.now }
	cfg.Blobs, cfg.Container, cfg.Queue, cfg.Enabled = f.blobs, "requests", f.queue, true
	cfg.Route = catalog(t).OpenAIBatchModel
	cfg.Now = func() time.Time { return f.now }
	f.svc = New(cfg)
	return f
}

func line(customID, url, body string) string {
	return `{"custom_id":"` + customID + `","method":"POST","url":"` + url + `","body":` + body + `}`
}

func chat(customID string) string {
	return line(customID, "/v1/chat/completions", `{"model":"m-1","messages":[{"role":"user","content":"hi"}]}`)
}

func purpose(p string) func() (string, error) { return func() (string, error) { return p, nil } }

func (f *fixture) upload(t *testing.T, lines ...string) string {
	t.Helper()
	file, err := f.svc.UploadFile(t.Context(), "in.jsonl", strings.NewReader(strings.Join(lines, "\n")+"\n"), purpose("batch"))
	if err != nil {
		t.Fatal(err)
	}
	return file.ID
}

func (f *fixture) create(t *testing.T, fileID string) router.Batch {
	t.Helper()
	b, err := f.svc.CreateBatch(t.Context(), router.BatchRequest{InputFileID: fileID, Endpoint: "/v1/chat/completions", CompletionWindow: "24h"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// step advances the batch once, as the replica that leads it would.
func (f *fixture) step(t *testing.T, id string) {
	t.Helper()
	l, ok, err := f.svc.takeLease(t.Context(), id)
	if err != nil || !ok {
		t.Fatalf("lease of %s: %v %v", id, ok, err)
	}
	defer f.svc.release(l, id)
	if _, err := f.svc.advance(l.ctx, l, id); err != nil {
		t.Fatalf("advance %s: %v", id, err)
	}
}

func (f *fixture) batch(t *testing.T, id string) router.Batch {
	t.Helper()
	b, err := f.svc.Batch(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// queued takes every chunk message from the queue.
func (f *fixture) queued(t *testing.T) []router.ChunkRef {
	t.Helper()
	msgs, _ := f.queue.Receive(t.Context(), 1000, time.Hour)
	var refs []router.ChunkRef
	for _, m := range msgs {
		var item router.WorkItem
		if err := json.Unmarshal(m.Body, &item); err != nil || item.Chunk == nil {
			t.Fatalf("message %s is not a chunk's", m.Body)
		}
		refs = append(refs, *item.Chunk)
		_ = f.queue.Delete(t.Context(), m)
	}
	return refs
}

// answer plays the pool: every line of the chunk is answered with its
// custom_id, except those in fail, which the command failed on alone.
func (f *fixture) answer(t *testing.T, c router.ChunkRef, fail ...string) {
	t.Helper()
	ids, err := f.svc.chunkIDs(t.Context(), c.Batch, c.Index)
	if err != nil {
		t.Fatal(err)
	}
	o := router.ChunkOutcome{Results: map[string]router.ResultLine{}, Failed: map[string]router.LineFailure{}}
	for _, id := range ids {
		if slices.Contains(fail, id) {
			o.Failed[id] = router.LineFailure{Code: router.LineJobFailed, Message: "crashed"}
			continue
		}
		o.Results[id] = router.ResultLine{ID: id, Status: "ok", Body: json.RawMessage(`{"answer":"` + id + `"}`)}
	}
	if err := f.svc.Finish(t.Context(), c, o); err != nil {
		t.Fatal(err)
	}
}

// lines reads a file's lines by custom_id, failing on a custom_id twice.
func (f *fixture) lines(t *testing.T, id *string) map[string]outputLine {
	t.Helper()
	out := map[string]outputLine{}
	if id == nil {
		return out
	}
	_, rc, err := f.svc.FileContent(t.Context(), *id)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	for l := range strings.Lines(string(b)) {
		var o outputLine
		if err := json.Unmarshal([]byte(l), &o); err != nil || o.ID == "" {
			t.Fatalf("file %s: line %q", *id, l)
		}
		if _, dup := out[o.CustomID]; dup {
			t.Fatalf("file %s: custom_id %s twice", *id, o.CustomID)
		}
		out[o.CustomID] = o
	}
	return out
}

func chats(n int) []string {
	var ls []string
	for i := range n {
		ls = append(ls, chat(fmt.Sprintf("q%03d", i)))
	}
	return ls
}
