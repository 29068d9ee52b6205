package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/gpu-orchestration/gpu-orchestration/refmodel"
	"github.com/gpu-orchestration/gpu-orchestration/router/azure"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/azuritetest"
)

// The OpenAI Batch API end to end through OpenAI's Go SDK: upload, create,
// progress, output and error files, cancel, and a router restart in the
// middle of a batch. The pool is the local executor running the reference
// model's batch command on OpenAI batch lines (INFERENCE_API=openai).

func batchEnv(connString, inferenceURL string, extra ...string) map[string]string {
	env := localEnv(connString, inferenceURL)
	env["INFERENCE_API"] = "openai"
	env["BATCH_API_POLL_INTERVAL"] = "200ms"
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

// chatLine is an input line for the chat endpoint.
func chatLine(customID, text string, sleepMs int) string {
	b, _ := json.Marshal(map[string]any{"custom_id": customID, "method": "POST", "url": "/v1/chat/completions",
		"body": map[string]any{"model": refmodel.Version, "sleep_ms": sleepMs,
			"messages": []map[string]string{{"role": "user", "content": text}}}})
	return string(b)
}

func upload(t *testing.T, ctx context.Context, c openai.Client, lines ...string) string {
	t.Helper()
	f, err := c.Files.New(ctx, openai.FileNewParams{
		File:    openai.File(strings.NewReader(strings.Join(lines, "\n")+"\n"), "input.jsonl", "application/jsonl"),
		Purpose: openai.FilePurposeBatch,
	})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	return f.ID
}

func createBatch(t *testing.T, ctx context.Context, c openai.Client, fileID string) *openai.Batch {
	t.Helper()
	b, err := c.Batches.New(ctx, openai.BatchNewParams{InputFileID: fileID,
		Endpoint: openai.BatchNewParamsEndpointV1ChatCompletions, CompletionWindow: openai.BatchNewParamsCompletionWindow24h})
	if err != nil {
		t.Fatalf("create batch: %v", err)
	}
	if b.Status != openai.BatchStatusValidating || b.InputFileID != fileID {
		t.Fatalf("new batch %s: status %s, input %s", b.ID, b.Status, b.InputFileID)
	}
	return b
}

// waitBatch polls until the batch is in one of the statuses; it returns the
// batch and every distinct (status, request_counts) it saw.
func waitBatch(t *testing.T, ctx context.Context, c openai.Client, id string, within time.Duration, until ...openai.BatchStatus) (*openai.Batch, []string) {
	t.Helper()
	deadline := time.Now().Add(within)
	var seen []string
	for {
		b, err := c.Batches.Get(ctx, id)
		if err != nil {
			t.Fatalf("get batch: %v", err)
		}
		s := fmt.Sprintf("%s %d/%d/%d", b.Status, b.RequestCounts.Completed, b.RequestCounts.Failed, b.RequestCounts.Total)
		if len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		for _, u := range until {
			if b.Status == u {
				return b, seen
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch %s not %v within %s; seen %v", id, until, within, seen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// outputLine is what the test reads from output and error files.
type outputLine struct {
	ID       string `json:"id"`
	CustomID string `json:"custom_id"`
	Response *struct {
		StatusCode int `json:"status_code"`
		Body       struct {
			Choices []struct {
				Message struct{ Content string } `json:"message"`
			} `json:"choices"`
		} `json:"body"`
	} `json:"response"`
	Error *struct{ Code, Message string } `json:"error"`
}

func fileLines(t *testing.T, ctx context.Context, c openai.Client, id string) map[string]outputLine {
	t.Helper()
	resp, err := c.Files.Content(ctx, id)
	if err != nil {
		t.Fatalf("file content %s: %v", id, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]outputLine{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var l outputLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.ID == "" {
			t.Fatalf("file %s: line %q is not an OpenAI batch output line", id, sc.Text())
		}
		if _, dup := out[l.CustomID]; dup {
			t.Fatalf("file %s: custom_id %q twice", id, l.CustomID)
		}
		out[l.CustomID] = l
	}
	return out
}

// wantAnswers checks that the output holds exactly the model's answers to texts.
func wantAnswers(t *testing.T, out map[string]outputLine, texts map[string]string) {
	t.Helper()
	if len(out) != len(texts) {
		t.Fatalf("output has %d lines %v; want %d", len(out), keys(out), len(texts))
	}
	for id, text := range texts {
		l, ok := out[id]
		want := refmodel.Generate("user: "+text+"\n", refmodel.DefaultMaxTokens).Text()
		if !ok || l.Response == nil || l.Response.StatusCode != 200 || len(l.Response.Body.Choices) != 1 || l.Response.Body.Choices[0].Message.Content != want {
			t.Fatalf("output line %s: %+v; want status 200 and %q", id, l, want)
		}
	}
}

func keys(m map[string]outputLine) []string {
	var ks []string
	for k := range maps.Keys(m) {
		ks = append(ks, k)
	}
	return ks
}

func TestOpenAISDKBatchLife(t *testing.T) {
	t.Parallel() // each has its own Azurite and router; they mostly wait
	az := azuritetest.Start(t)
	// One line per micro-batch, one micro-batch at a time: progress is seen
	// between answers.
	r := startRouter(t, batchEnv(az.ConnectionString(), refmodelServer(t), "DISPATCH_BATCH_SIZE", "1", "DISPATCH_WORKERS", "1"))
	c := openAIClient(r.url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	texts := map[string]string{"a": "first question", "b": "second question", "c": "third question"}
	fileID := upload(t, ctx, c,
		chatLine("a", texts["a"], 200), chatLine("b", texts["b"], 200),
		`{"custom_id":"bad-url","method":"POST","url":"/v1/embeddings","body":{"model":"reference-1","input":"x"}}`,
		chatLine("c", texts["c"], 200),
		strings.Replace(chatLine("other-model", "x", 0), refmodel.Version, "other-model", 1),
	)
	if f, err := c.Files.Get(ctx, fileID); err != nil || f.Purpose != openai.FileObjectPurposeBatch || f.Bytes == 0 {
		t.Fatalf("file object: %+v, %v", f, err)
	}
	b := createBatch(t, ctx, c, fileID)
	b, seen := waitBatch(t, ctx, c, b.ID, time.Minute, openai.BatchStatusCompleted, openai.BatchStatusFailed)
	t.Logf("statuses seen: %v", seen)
	if b.Status != openai.BatchStatusCompleted || b.RequestCounts.Total != 5 || b.RequestCounts.Completed != 3 || b.RequestCounts.Failed != 2 {
		t.Fatalf("batch: %s %+v", b.Status, b.RequestCounts)
	}
	// Progress is visible while it runs: the lines are counted, and the
	// invalid ones failed, before the first answer; answers are counted as
	// they arrive (one line per micro-batch, 200 ms each).
	all := strings.Join(seen, ",")
	if !strings.HasPrefix(all, "validating") || !strings.Contains(all, "in_progress 0/2/5") ||
		!(strings.Contains(all, "in_progress 1/2/5") || strings.Contains(all, "in_progress 2/2/5")) {
		t.Fatalf("statuses seen %v; want validating, in_progress 0/2/5 before any answer, and a count between", seen)
	}
	wantAnswers(t, fileLines(t, ctx, c, b.OutputFileID), texts)
	errs := fileLines(t, ctx, c, b.ErrorFileID)
	if len(errs) != 2 || errs["bad-url"].Error == nil || errs["bad-url"].Error.Code != "mismatched_url" ||
		errs["other-model"].Error == nil || errs["other-model"].Error.Code != "model_not_found" {
		t.Fatalf("error file: %+v; want the wrong url and the unknown model", errs)
	}

	page, err := c.Batches.List(ctx, openai.BatchListParams{Limit: openai.Int(10)})
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != b.ID {
		t.Fatalf("list: %+v, %v", page, err)
	}

	// Cancel: lines still queued are cancelled, the batch ends cancelled.
	var slow []string
	for i := range 4 {
		slow = append(slow, chatLine(fmt.Sprintf("slow-%d", i), "slow", 1000))
	}
	cb := createBatch(t, ctx, c, upload(t, ctx, c, slow...))
	waitBatch(t, ctx, c, cb.ID, time.Minute, openai.BatchStatusInProgress)
	got, err := c.Batches.Cancel(ctx, cb.ID)
	if err != nil || got.Status != openai.BatchStatusCancelling {
		t.Fatalf("cancel: %+v, %v", got, err)
	}
	cb, seen = waitBatch(t, ctx, c, cb.ID, time.Minute, openai.BatchStatusCancelled, openai.BatchStatusCompleted)
	if cb.Status != openai.BatchStatusCancelled || cb.RequestCounts.Total != 4 || cb.RequestCounts.Failed == 0 ||
		cb.RequestCounts.Completed+cb.RequestCounts.Failed != 4 {
		t.Fatalf("cancelled batch: %s %+v; seen %v", cb.Status, cb.RequestCounts, seen)
	}
	for id, l := range fileLines(t, ctx, c, cb.ErrorFileID) {
		if l.Error == nil || l.Error.Code != "batch_cancelled" {
			t.Fatalf("cancelled line %s: %+v", id, l)
		}
	}
}

// waitRunning waits until a job of the batch's lines is running, reading
// the line list the batch manager stored (openai/batches/<id>.lines).
func waitRunning(t *testing.T, ctx context.Context, connString, base, batchID string) {
	t.Helper()
	def := config.Default().Storage
	st, err := azure.NewStorage(azure.StorageConfig{ConnectionString: connString, WorkQueue: def.WorkQueue,
		PoisonQueue: def.PoisonQueue, RequestContainer: def.RequestContainer, ResultContainer: def.ResultContainer})
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Blobs.Get(ctx, def.RequestContainer, "openai/batches/"+batchID+".lines")
	var refs []struct {
		JobID string `json:"job_id"`
	}
	if err != nil || json.Unmarshal(b, &refs) != nil || len(refs) == 0 {
		t.Fatalf("line list of %s: %v %s", batchID, err, b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := call(t, "GET", base+"/v1/jobs/"+refs[0].JobID, "")
		if strings.Contains(string(body), `"status":"running"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line of %s started running: %s", batchID, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestOpenAIBatchRestartMidBatchLosesNoLine(t *testing.T) {
	t.Parallel() // each has its own Azurite and router; they mostly wait
	az := azuritetest.Start(t)
	env := batchEnv(az.ConnectionString(), refmodelServer(t))
	first := startRouter(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	texts := map[string]string{}
	var lines []string
	for i := range 6 {
		id, text := fmt.Sprintf("line-%d", i), fmt.Sprintf("restart question %d", i)
		texts[id] = text
		lines = append(lines, chatLine(id, text, 500))
	}
	c1 := openAIClient(first.url)
	b := createBatch(t, ctx, c1, upload(t, ctx, c1, lines...))
	waitBatch(t, ctx, c1, b.ID, time.Minute, openai.BatchStatusInProgress)
	// Stop the router while the lines' micro-batch runs (3 s): their jobs,
	// named in the batch's stored line list, show running.
	waitRunning(t, ctx, az.ConnectionString(), first.url, b.ID)
	first.stop()

	second := startRouter(t, env)
	c2 := openAIClient(second.url)
	done, seen := waitBatch(t, ctx, c2, b.ID, time.Minute, openai.BatchStatusCompleted, openai.BatchStatusFailed)
	if done.Status != openai.BatchStatusCompleted || done.RequestCounts.Completed != 6 || done.RequestCounts.Failed != 0 || done.ErrorFileID != "" {
		t.Fatalf("after restart: %s %+v (error file %q); seen %v", done.Status, done.RequestCounts, done.ErrorFileID, seen)
	}
	wantAnswers(t, fileLines(t, ctx, c2, done.OutputFileID), texts)
}
