package batchapi

import (
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// A file with an invalid line fails the batch, as OpenAI's does, with an
// error per line naming its code, line and parameter; nothing runs. A
// duplicated custom_id is one of them: it would otherwise be both an
// answer and an error under one id.
func TestAnInvalidLineFailsTheBatchNamingEachLine(t *testing.T) {
	f := newFixture(t, Config{MaxLineBytes: 400})
	good := `{"model":"m-1","messages":[{"role":"user","content":"hi"}]}`
	id := f.upload(t,
		"\xef\xbb\xbf"+chat("ok-1"), // a byte-order mark does not cost line 1
		`not json`,
		`{"method":"POST","url":"/v1/chat/completions","body":{}}`,
		chat("ok-1"),
		`{"custom_id":"get","method":"GET","url":"/v1/chat/completions","body":{}}`,
		line("url", "/v1/embeddings", good),
		line("body", "/v1/chat/completions", `[1]`),
		line("nomodel", "/v1/chat/completions", `{"messages":[]}`),
		line("othermodel", "/v1/chat/completions", `{"model":"x"}`),
		line("stream", "/v1/chat/completions", `{"model":"m-1","stream":true}`),
		"",
		line("long-one", "/v1/chat/completions", `{"model":"m-1","pad":"`+strings.Repeat("x", 500)+`"}`),
		`{"custom_id":7,"method":"POST","url":"/v1/chat/completions","body":{}}`,
		`{"custom_id":"nourl","method":"POST","body":{}}`,
		chat("ok-2"),
	)
	b := f.create(t, id)
	f.step(t, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchFailed || got.FailedAt == nil || got.Errors == nil || got.OutputFileID != nil || got.ErrorFileID != nil {
		t.Fatalf("batch %+v; want failed with errors and no files", got)
	}
	want := []struct {
		line        int
		code, param string
	}{{2, "invalid_json_line", ""}, {3, "missing_required_parameter", "custom_id"}, {4, "duplicate_custom_id", "custom_id"},
		{5, "invalid_method", "method"}, {6, "invalid_url", "url"}, {7, "invalid_request", "body"},
		{8, "invalid_request", "body.model"}, {9, "model_not_found", "body.model"}, {10, "streaming_unsupported", "body.stream"},
		{12, "line_too_large", ""}, {13, "invalid_custom_id", "custom_id"}, {14, "missing_required_parameter", "url"}}
	errs := got.Errors.Data
	if len(errs) != len(want) {
		t.Fatalf("errors %+v; want %d", errs, len(want))
	}
	for i, w := range want {
		e := errs[i]
		param := ""
		if e.Param != nil {
			param = *e.Param
		}
		if e.Line == nil || *e.Line != w.line || e.Code != w.code || param != w.param || !strings.HasPrefix(e.Message, "line ") {
			t.Errorf("error %d: %+v (param %q); want line %d %s %q", i, e, param, w.line, w.code, w.param)
		}
	}
	if !strings.Contains(errs[9].Message, `"long-one"`) {
		t.Errorf("line_too_large: %q; want it to name the request's custom_id", errs[9].Message)
	}
	if !strings.Contains(errs[2].Message, "line 1") {
		t.Errorf("duplicate: %q; want it to name the first line using the id", errs[2].Message)
	}
	if msgs := f.queued(t); len(msgs) != 0 {
		t.Fatalf("%d chunks queued for a failed batch", len(msgs))
	}
}

// Every line invalid: failed too, not completed with nothing.
func TestAllInvalidFailsTheBatch(t *testing.T) {
	f := newFixture(t, Config{})
	b := f.create(t, f.upload(t, `{"a":1}`, `[2]`))
	f.step(t, b.ID)
	if got := f.batch(t, b.ID); got.Status != router.BatchFailed || len(got.Errors.Data) != 2 {
		t.Fatalf("batch %+v; want failed with two errors", got)
	}
}

// The errors listed are capped; the last one says how many lines failed.
func TestErrorsAreCapped(t *testing.T) {
	f := newFixture(t, Config{})
	var ls []string
	for range maxBatchErrors + 50 {
		ls = append(ls, "nope")
	}
	b := f.create(t, f.upload(t, ls...))
	f.step(t, b.ID)
	got := f.batch(t, b.ID).Errors.Data
	if len(got) != maxBatchErrors+1 || got[maxBatchErrors].Code != CodeTooManyErrors || !strings.Contains(got[maxBatchErrors].Message, "150") {
		t.Fatalf("%d errors, last %+v; want %d and too_many_errors naming 150", len(got), got[len(got)-1], maxBatchErrors+1)
	}
}

func TestCompletionWindowIsWrittenPlainly(t *testing.T) {
	for _, ok := range []string{"1h", "24h", "168h"} {
		if d, err := ParseCompletionWindow(ok); err != nil || d.Hours() < 1 {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"+24h", "00024h", "024h", "0h", "169h", "24", "24 h", "1d", "-1h", ""} {
		if _, err := ParseCompletionWindow(bad); router.ErrorCode(err) != router.EBadRequest {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCreateRefusals(t *testing.T) {
	f := newFixture(t, Config{})
	file := f.upload(t, chat("a"))
	long := func(n int) string { return strings.Repeat("é", n) }
	for _, req := range []router.BatchRequest{
		{InputFileID: file, Endpoint: "/v1/responses", CompletionWindow: "24h"},
		{InputFileID: file, Endpoint: "/v1/embeddings", CompletionWindow: "1d"},
		{InputFileID: file, Endpoint: "/v1/embeddings", CompletionWindow: "+24h"},
		{InputFileID: file, Endpoint: "/v1/embeddings", CompletionWindow: "24h", Metadata: map[string]string{long(65): "v"}},
		{InputFileID: file, Endpoint: "/v1/embeddings", CompletionWindow: "24h", Metadata: map[string]string{"k": long(513)}},
	} {
		if _, err := f.svc.CreateBatch(t.Context(), req); router.ErrorCode(err) != router.EBadRequest {
			t.Errorf("%+v: %v; want bad_request", req.CompletionWindow, err)
		}
	}
	// Limits count characters: 64 and 512 two-byte characters are allowed.
	if _, err := f.svc.CreateBatch(t.Context(), router.BatchRequest{InputFileID: file, Endpoint: "/v1/embeddings", CompletionWindow: "24h",
		Metadata: map[string]string{long(64): long(512)}}); err != nil {
		t.Errorf("metadata at the limits in characters: %v", err)
	}
	if _, err := f.svc.CreateBatch(t.Context(), router.BatchRequest{InputFileID: "file-000000000000000000000000", Endpoint: "/v1/embeddings", CompletionWindow: "24h"}); router.ErrorCode(err) != router.ENotFound {
		t.Errorf("missing file: %v; want not_found", err)
	}
	f.svc.cfg.Enabled = false
	if _, err := f.svc.CreateBatch(t.Context(), router.BatchRequest{InputFileID: file, Endpoint: "/v1/embeddings", CompletionWindow: "24h"}); err == nil || !strings.Contains(err.Error(), "inferenceApi: openai") {
		t.Errorf("reference pool: %v; want a refusal naming inferenceApi", err)
	}
}

// The input deleted before validation: the batch fails, naming the file.
func TestInputDeletedBeforeValidation(t *testing.T) {
	f := newFixture(t, Config{})
	file := f.upload(t, chat("a"))
	b := f.create(t, file)
	if _, err := f.svc.DeleteFile(t.Context(), file); err != nil {
		t.Fatal(err)
	}
	f.step(t, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchFailed || len(got.Errors.Data) != 1 || !strings.Contains(got.Errors.Data[0].Message, file) {
		t.Fatalf("batch %+v; want failed naming the deleted file", got)
	}
}
