package batchapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// A batch whose lines name several models (by name or alias, interleaved)
// is cut into chunks of one model's lines each, and each chunk's message
// names its model: the dispatcher runs a chunk on its model's image and
// pool, with the model's id in body.model where the line used an alias.
// Every line is in exactly one chunk and one output line.
func TestLinesOfSeveralModelsRunInChunksOfTheirOwn(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 4})
	want := map[string]string{} // custom_id → model key
	var lines []string
	for i := range 15 {
		id, name, key := fmt.Sprintf("r%02d", i), "m-1", "m"
		switch i % 3 {
		case 1:
			name, key = "small", "small"
		case 2:
			name, key = "small-1", "small"
		}
		want[id] = key
		lines = append(lines, line(id, "/v1/chat/completions", `{"model":"`+name+`","messages":[{"role":"user","content":"hi"}]}`))
	}
	b := f.create(t, f.upload(t, lines...))
	f.step(t, b.ID)
	if got := f.batch(t, b.ID); got.Status != router.BatchInProgress || got.RequestCounts.Total != 15 {
		t.Fatalf("after validation: %s %+v; want in_progress with 15 lines", got.Status, got.RequestCounts)
	}
	refs := f.queued(t)
	// m: 5 lines → chunks of 4 and 1; small: 10 lines → 4, 4 and 2.
	if len(refs) != 5 {
		t.Fatalf("%d chunks queued; want 5 (2 of m-1's 5 lines, 3 of small-1's 10, 4 a chunk)", len(refs))
	}
	placed := map[string]int{}
	for _, c := range refs {
		data, err := f.blobs.Get(t.Context(), f.svc.cfg.Container, c.Blob)
		if err != nil {
			t.Fatal(err)
		}
		for l := range bytes.Lines(data) {
			var in struct {
				CustomID string `json:"custom_id"`
				Body     struct {
					Model    string          `json:"model"`
					Messages json.RawMessage `json:"messages"`
				} `json:"body"`
			}
			if err := json.Unmarshal(l, &in); err != nil {
				t.Fatal(err)
			}
			if want[in.CustomID] != c.Model {
				t.Errorf("chunk %d (model %q) holds %s, a line of %q", c.Index, c.Model, in.CustomID, want[in.CustomID])
			}
			if id := map[string]string{"m": "m-1", "small": "small-1"}[c.Model]; in.Body.Model != id || len(in.Body.Messages) == 0 {
				t.Errorf("chunk %d: line %s names model %q (messages %s); want %q and the line's messages", c.Index, in.CustomID, in.Body.Model, in.Body.Messages, id)
			}
			placed[in.CustomID]++
		}
		f.answer(t, c)
	}
	for id := range want {
		if placed[id] != 1 {
			t.Errorf("line %s is in %d chunks; want 1", id, placed[id])
		}
	}
	f.step(t, b.ID)
	f.step(t, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchCompleted || got.RequestCounts != (router.RequestCounts{Total: 15, Completed: 15}) {
		t.Fatalf("finished: %s %+v; want completed, 15 of 15", got.Status, got.RequestCounts)
	}
	if out := f.lines(t, got.OutputFileID); len(out) != 15 {
		t.Fatalf("output has %d lines; want 15", len(out))
	}
}

// A line for a model the router does not serve, or for one whose batch
// command reads another format, fails the batch with an error that names
// the models a batch may use.
func TestALineForAModelThatCannotRunBatchesNamesThoseThatCan(t *testing.T) {
	f := newFixture(t, Config{})
	b := f.create(t, f.upload(t,
		chat("ok"),
		line("ref", "/v1/chat/completions", `{"model":"ref-1"}`),
		line("none", "/v1/chat/completions", `{"model":"gpt-9"}`),
	))
	f.step(t, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchFailed || got.Errors == nil || len(got.Errors.Data) != 2 {
		t.Fatalf("batch %s %+v; want failed with 2 errors", got.Status, got.Errors)
	}
	ref, none := got.Errors.Data[0], got.Errors.Data[1]
	if ref.Code != CodeInvalidRequest || *ref.Param != "body.model" || !strings.Contains(ref.Message, "m-1, small-1") || !strings.Contains(ref.Message, `"ref-1"`) {
		t.Errorf("line of ref-1: %s %q; want invalid_request naming ref-1 and the models that run OpenAI batches, m-1, small-1", ref.Code, ref.Message)
	}
	if none.Code != CodeModelNotFound || !strings.Contains(none.Message, `"gpt-9"`) || !strings.Contains(none.Message, "small-1") {
		t.Errorf("line of gpt-9: %s %q; want model_not_found naming gpt-9 and the models served", none.Code, none.Message)
	}
}
