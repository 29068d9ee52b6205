package batchapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
)

const model = "m-1"

type fixture struct {
	svc   *Service
	store *mem.Store
	queue *mem.Queue
	now   time.Time
}

func newFixture(t *testing.T, cfg Config) *fixture {
	f := &fixture{store: mem.NewStore(), queue: &mem.Queue{}, now: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	blobs := &mem.Blobs{}
	cfg.Jobs = &jobs.Service{Queue: f.queue, Store: f.store, Payloads: blobs, RequestContainer: "requests"}
	cfg.Store, cfg.Blobs, cfg.Container, cfg.Enabled = f.store, blobs, "requests", true
	cfg.Model = func() string { return model }
	cfg.Now = func() time.Time { return f.now }
	f.svc = New(cfg)
	return f
}

func line(customID, url, body string) string {
	return `{"custom_id":"` + customID + `","method":"POST","url":"` + url + `","body":` + body + `}`
}

func TestValidateSendsEachBadLineToTheErrorFileWithItsReason(t *testing.T) {
	good := `{"model":"m-1","messages":[{"role":"user","content":"hi"}]}`
	input := strings.Join([]string{
		line("ok-1", "/v1/chat/completions", good),
		`not json`,
		`{"method":"POST","url":"/v1/chat/completions","body":{}}`,
		line("ok-1", "/v1/chat/completions", good),
		`{"custom_id":"get","method":"GET","url":"/v1/chat/completions","body":{}}`,
		line("url", "/v1/embeddings", good),
		line("body", "/v1/chat/completions", `[1]`),
		line("nomodel", "/v1/chat/completions", `{"messages":[]}`),
		line("othermodel", "/v1/chat/completions", `{"model":"x"}`),
		line("stream", "/v1/chat/completions", `{"model":"m-1","stream":true}`),
		"",
		line("long", "/v1/chat/completions", `{"model":"m-1","pad":"`+strings.Repeat("x", 300)+`"}`),
		line("ok-2", "/v1/chat/completions", good),
	}, "\n")
	ok, bad := validate([]byte(input), "/v1/chat/completions", model, 200)
	if len(ok) != 2 || ok[0].CustomID != "ok-1" || ok[1].CustomID != "ok-2" {
		t.Fatalf("valid lines %+v; want ok-1 and ok-2", ok)
	}
	want := []struct {
		line int
		code string
	}{{2, "invalid_json_line"}, {3, "missing_custom_id"}, {4, "duplicate_custom_id"}, {5, "invalid_method"},
		{6, "mismatched_url"}, {7, "invalid_body"}, {8, "missing_model"}, {9, "model_not_found"},
		{10, "stream_not_supported"}, {12, "line_too_large"}}
	if len(bad) != len(want) {
		t.Fatalf("errors %+v; want %d", bad, len(want))
	}
	for i, w := range want {
		if bad[i].Line != w.line || bad[i].Code != w.code || !strings.HasPrefix(bad[i].Message, "line ") {
			t.Errorf("error %d: %+v; want line %d %s", i, bad[i], w.line, w.code)
		}
	}
}

func TestUploadLimits(t *testing.T) {
	f := newFixture(t, Config{MaxFileBytes: 100, MaxLines: 2})
	ctx := context.Background()
	cases := []struct {
		name, purpose, data, code string
	}{
		{"wrong purpose", "fine-tune", "{}\n", router.EBadRequest},
		{"too large", "batch", strings.Repeat("x", 101), router.EPayloadTooLarge},
		{"too many lines", "batch", "{}\n{}\n\n{}\n", router.EBadRequest},
		{"empty", "batch", "\n \n", router.EBadRequest},
	}
	for _, c := range cases {
		if _, err := f.svc.UploadFile(ctx, "in.jsonl", c.purpose, []byte(c.data)); router.ErrorCode(err) != c.code {
			t.Errorf("%s: %v; want %s", c.name, err, c.code)
		}
	}
	file, err := f.svc.UploadFile(ctx, "in.jsonl", "batch", []byte("{}\n\n{}\n"))
	if err != nil || file.Bytes != 7 || file.Purpose != "batch" {
		t.Fatalf("two lines: %+v, %v", file, err)
	}
	if b, err := f.svc.FileContent(ctx, file.ID); err != nil || string(b) != "{}\n\n{}\n" {
		t.Fatalf("content %q, %v", b, err)
	}
	if _, err := f.svc.File(ctx, "file-../../secrets"); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("a malformed id: %v; want not_found", err)
	}
}

func TestCreateRefusals(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	file, _ := f.svc.UploadFile(ctx, "in.jsonl", "batch", []byte("{}\n"))
	for _, req := range []router.BatchRequest{
		{InputFileID: file.ID, Endpoint: "/v1/responses", CompletionWindow: "24h"},
		{InputFileID: file.ID, Endpoint: "/v1/embeddings", CompletionWindow: "1d"},
		{InputFileID: file.ID, Endpoint: "/v1/embeddings", CompletionWindow: "169h"},
	} {
		if _, err := f.svc.CreateBatch(ctx, req); router.ErrorCode(err) != router.EBadRequest {
			t.Errorf("%+v: %v; want bad_request", req, err)
		}
	}
	if _, err := f.svc.CreateBatch(ctx, router.BatchRequest{InputFileID: "file-000000000000000000000000", Endpoint: "/v1/embeddings", CompletionWindow: "24h"}); router.ErrorCode(err) != router.ENotFound {
		t.Errorf("missing file: %v; want not_found", err)
	}
	f.svc.cfg.Enabled = false
	if _, err := f.svc.CreateBatch(ctx, router.BatchRequest{InputFileID: file.ID, Endpoint: "/v1/embeddings", CompletionWindow: "24h"}); err == nil || !strings.Contains(err.Error(), "inferenceApi: openai") {
		t.Errorf("reference pool: %v; want a refusal naming inferenceApi", err)
	}
}

// errorCodes reads an error file's codes by custom_id.
func errorCodes(t *testing.T, f *fixture, id string) map[string]string {
	t.Helper()
	b, err := f.svc.FileContent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for l := range strings.Lines(string(b)) {
		var o outputLine
		if err := json.Unmarshal([]byte(l), &o); err != nil || o.Error == nil {
			t.Fatalf("error line %q", l)
		}
		codes[o.CustomID] = o.Error.Code
	}
	return codes
}

func TestExpiryEndsUnfinishedLinesAndKeepsAnswers(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	body := `{"model":"m-1","input":"x"}`
	file, _ := f.svc.UploadFile(ctx, "in.jsonl", "batch", []byte(line("a", "/v1/embeddings", body)+"\n"+line("b", "/v1/embeddings", body)+"\n"))
	b, err := f.svc.CreateBatch(ctx, router.BatchRequest{InputFileID: file.ID, Endpoint: "/v1/embeddings", CompletionWindow: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Tick(ctx)
	if got, _ := f.svc.Batch(ctx, b.ID); got.Status != router.BatchInProgress || got.RequestCounts != (router.RequestCounts{Total: 2}) {
		t.Fatalf("after queueing: %s %+v", got.Status, got.RequestCounts)
	}
	// The pool answers line a only.
	var refs []lineRef
	if err := f.svc.getJSON(ctx, linesName(b.ID), &refs); err != nil || len(refs) != 2 {
		t.Fatalf("lines %+v, %v", refs, err)
	}
	job, _ := f.store.Get(ctx, refs[0].JobID)
	job.State, job.ResultStatus, job.Result = router.JobSucceeded, "ok", json.RawMessage(`{"data":[]}`)
	_ = f.store.Put(ctx, job)
	f.svc.Tick(ctx)
	if got, _ := f.svc.Batch(ctx, b.ID); got.Status != router.BatchInProgress || got.RequestCounts.Completed != 1 {
		t.Fatalf("one answer: %s %+v", got.Status, got.RequestCounts)
	}
	f.now = f.now.Add(time.Hour)
	f.svc.Tick(ctx)
	got, _ := f.svc.Batch(ctx, b.ID)
	if got.Status != router.BatchExpired || got.ExpiredAt == nil || got.OutputFileID == nil || got.ErrorFileID == nil ||
		got.RequestCounts != (router.RequestCounts{Total: 2, Completed: 1, Failed: 1}) {
		t.Fatalf("expired: %+v", got)
	}
	if codes := errorCodes(t, f, *got.ErrorFileID); codes["b"] != CodeExpired || len(codes) != 1 {
		t.Fatalf("error file %v; want b batch_expired", codes)
	}
	// The expired line's job is terminal, so the dispatcher drops its message.
	if j, _ := f.store.Get(ctx, refs[1].JobID); j.State != router.JobFailed {
		t.Fatalf("expired job %+v", j)
	}
}

func TestRequeueingAfterARestartQueuesNothingTwice(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	body := `{"model":"m-1","input":"x"}`
	file, _ := f.svc.UploadFile(ctx, "in.jsonl", "batch", []byte(line("a", "/v1/embeddings", body)+"\n"+line("b", "/v1/embeddings", body)+"\n"))
	b, _ := f.svc.CreateBatch(ctx, router.BatchRequest{InputFileID: file.ID, Endpoint: "/v1/embeddings", CompletionWindow: "24h"})
	rec, _ := f.svc.record(ctx, b.ID)
	// A router that stopped after queueing but before recording it: the
	// next one queues again.
	before := rec
	if err := f.svc.queue(ctx, &rec); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.putJSON(ctx, recordName(b.ID), before); err != nil {
		t.Fatal(err)
	}
	restarted := New(f.svc.cfg)
	restarted.Tick(ctx)
	if n, _ := f.queue.Depth(ctx); n != 2 {
		t.Fatalf("queue holds %d messages; want 2", n)
	}
}

// Each way a line's job can end lands in the right file with OpenAI's shape:
// answers with their status, a poisoned job as job_failed.
func TestResultLines(t *testing.T) {
	ref := lineRef{CustomID: "c", JobID: "j"}
	cases := []struct {
		job        router.Job
		ok         bool
		status     int
		code, body string
	}{
		{router.Job{ID: "j", State: router.JobSucceeded, ResultStatus: "ok", Result: json.RawMessage(`{"a":1}`)}, true, 200, "", `{"a":1}`},
		{router.Job{ID: "j", State: router.JobFailed, ResultStatus: "http_400", Result: json.RawMessage(`{"error":{}}`)}, false, 400, "", `{"error":{}}`},
		{router.Job{ID: "j", State: router.JobFailed, Error: "moved to the poison queue: received 6 times; the limit is 5"}, false, 0, CodeJobFailed, ""},
		{router.Job{ID: "j", State: router.JobFailed, ResultStatus: CodeCancelled, Error: "cancelled"}, false, 0, CodeCancelled, ""},
	}
	for i, c := range cases {
		l, ok := resultLine(ref, c.job)
		if ok != c.ok || l.CustomID != "c" || l.ID != "batch_req_j" {
			t.Errorf("case %d: %+v ok=%v", i, l, ok)
			continue
		}
		switch {
		case c.status != 0 && (l.Response == nil || l.Response.StatusCode != c.status || string(l.Response.Body) != c.body || l.Error != nil):
			t.Errorf("case %d: response %+v error %+v", i, l.Response, l.Error)
		case c.code != "" && (l.Error == nil || l.Error.Code != c.code || l.Error.Message == "" || l.Response != nil):
			t.Errorf("case %d: error %+v response %+v", i, l.Error, l.Response)
		}
	}
}
