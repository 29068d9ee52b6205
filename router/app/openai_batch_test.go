package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/gpu-orchestration/gpu-orchestration/refmodel"
	"github.com/gpu-orchestration/gpu-orchestration/router/azure"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/azuritetest"
)

// The OpenAI Batch API end to end through OpenAI's Go SDK: upload, create,
// progress, output and error files, the files API, cancel, validation
// failures, and a router restart in the middle of a large batch. The pool
// is the local executor running the reference model's batch command on
// OpenAI batch lines (INFERENCE_API=openai).

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
	}, option.WithRequestTimeout(2*time.Minute))
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
	// One line per chunk, one chunk at a time: progress is seen between
	// answers.
	r := startRouter(t, batchEnv(az.ConnectionString(), refmodelServer(t), "BATCH_API_CHUNK_LINES", "1", "DISPATCH_WORKERS", "1"))
	c := openAIClient(r.url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	texts := map[string]string{"a": "first question", "b": "second question", "c": "third question"}
	fileID := upload(t, ctx, c, chatLine("a", texts["a"], 200), chatLine("b", texts["b"], 200), chatLine("c", texts["c"], 200))
	if f, err := c.Files.Get(ctx, fileID); err != nil || f.Purpose != openai.FileObjectPurposeBatch || f.Bytes == 0 {
		t.Fatalf("file object: %+v, %v", f, err)
	}
	b := createBatch(t, ctx, c, fileID)
	b, seen := waitBatch(t, ctx, c, b.ID, time.Minute, openai.BatchStatusCompleted, openai.BatchStatusFailed)
	t.Logf("statuses seen: %v", seen)
	if b.Status != openai.BatchStatusCompleted || b.RequestCounts.Total != 3 || b.RequestCounts.Completed != 3 || b.RequestCounts.Failed != 0 || b.ErrorFileID != "" {
		t.Fatalf("batch: %s %+v, error file %q", b.Status, b.RequestCounts, b.ErrorFileID)
	}
	// Progress is visible while it runs: the lines are counted before the
	// first answer, and answers are counted as they arrive.
	all := strings.Join(seen, ",")
	if !strings.Contains(all, "in_progress 0/0/3") || !(strings.Contains(all, "in_progress 1/0/3") || strings.Contains(all, "in_progress 2/0/3")) {
		t.Fatalf("statuses seen %v; want in_progress 0/0/3 before any answer, and a count between", seen)
	}
	wantAnswers(t, fileLines(t, ctx, c, b.OutputFileID), texts)

	page, err := c.Batches.List(ctx, openai.BatchListParams{Limit: openai.Int(10)})
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != b.ID {
		t.Fatalf("list: %+v, %v", page, err)
	}

	// The files API: both files listed, newest first, by purpose; delete.
	files, err := c.Files.List(ctx, openai.FileListParams{})
	if err != nil || len(files.Data) != 2 || files.Data[0].ID != b.OutputFileID || files.Data[1].ID != fileID {
		t.Fatalf("files.list: %+v, %v; want the output file, then the input", files, err)
	}
	inputs, err := c.Files.List(ctx, openai.FileListParams{Purpose: openai.String("batch"), Order: openai.FileListParamsOrderAsc})
	if err != nil || len(inputs.Data) != 1 || inputs.Data[0].ID != fileID {
		t.Fatalf("files.list purpose=batch: %+v, %v", inputs, err)
	}
	del, err := c.Files.Delete(ctx, b.OutputFileID)
	if err != nil || !del.Deleted || del.ID != b.OutputFileID {
		t.Fatalf("files.delete: %+v, %v", del, err)
	}
	var apiErr *openai.Error
	if _, err := c.Files.Get(ctx, b.OutputFileID); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Fatalf("a deleted file: %v; want 404", err)
	}
	if files, _ := c.Files.List(ctx, openai.FileListParams{}); len(files.Data) != 1 {
		t.Fatalf("files after delete: %+v", files.Data)
	}

	// Cancel: chunks not started are not run; the batch ends cancelled.
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

// A file with invalid lines fails its batch, as OpenAI's does, with an
// error per line; a duplicated custom_id is one.
func TestOpenAISDKBatchFailsValidation(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	r := startRouter(t, batchEnv(az.ConnectionString(), refmodelServer(t)))
	c := openAIClient(r.url)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := createBatch(t, ctx, c, upload(t, ctx, c,
		chatLine("a", "x", 0),
		`{"custom_id":"bad-url","method":"POST","url":"/v1/embeddings","body":{"model":"reference-1","input":"x"}}`,
		chatLine("a", "again", 0),
		strings.Replace(chatLine("other-model", "x", 0), refmodel.Version, "other-model", 1),
	))
	b, _ = waitBatch(t, ctx, c, b.ID, 30*time.Second, openai.BatchStatusFailed, openai.BatchStatusCompleted)
	if b.Status != openai.BatchStatusFailed || b.FailedAt == 0 || b.OutputFileID != "" || len(b.Errors.Data) != 3 {
		t.Fatalf("batch %s, errors %+v", b.Status, b.Errors.Data)
	}
	for i, w := range []struct {
		line int64
		code string
	}{{2, "invalid_url"}, {3, "duplicate_custom_id"}, {4, "model_not_found"}} {
		if e := b.Errors.Data[i]; e.Line != w.line || e.Code != w.code || e.Message == "" {
			t.Errorf("error %d: %+v; want line %d %s", i, e, w.line, w.code)
		}
	}
}

// storage opens the test's Azurite account as the router sees it.
func storage(t *testing.T, connString string) *azure.Storage {
	t.Helper()
	def := config.Default().Storage
	st, err := azure.NewStorage(azure.StorageConfig{ConnectionString: connString, WorkQueue: def.WorkQueue,
		PoisonQueue: def.PoisonQueue, RequestContainer: def.RequestContainer, ResultContainer: def.ResultContainer})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A router stopped in the middle of a large batch: the next one carries it
// on from what is stored, and every line is in the output exactly once.
func TestOpenAIBatchRestartMidLargeBatchLosesNoLine(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	env := batchEnv(az.ConnectionString(), refmodelServer(t), "DISPATCH_WORKERS", "2", "BATCH_API_CHUNK_LINES", "100")
	first := startRouter(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const n = 3000
	texts := map[string]string{}
	lines := make([]string, n)
	for i := range n {
		id, text := fmt.Sprintf("line-%04d", i), fmt.Sprintf("restart question %d", i)
		texts[id] = text
		lines[i] = chatLine(id, text, 0)
	}
	c1 := openAIClient(first.url)
	b := createBatch(t, ctx, c1, upload(t, ctx, c1, lines...))
	// Stop the router part-way: some chunks answered, most not.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, err := c1.Batches.Get(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == openai.BatchStatusInProgress && got.RequestCounts.Completed > 0 {
			if got.RequestCounts.Completed >= n/2 {
				t.Fatalf("%d of %d lines answered before the restart; want it part-way", got.RequestCounts.Completed, n)
			}
			t.Logf("stopping with %d of %d lines answered", got.RequestCounts.Completed, n)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress: %s %+v", got.Status, got.RequestCounts)
		}
		time.Sleep(20 * time.Millisecond)
	}
	first.stop()

	second := startRouter(t, env)
	c2 := openAIClient(second.url)
	done, seen := waitBatch(t, ctx, c2, b.ID, 2*time.Minute, openai.BatchStatusCompleted, openai.BatchStatusFailed)
	if done.Status != openai.BatchStatusCompleted || done.RequestCounts.Completed != n || done.RequestCounts.Failed != 0 || done.ErrorFileID != "" {
		t.Fatalf("after restart: %s %+v (error file %q); seen %v", done.Status, done.RequestCounts, done.ErrorFileID, seen[max(0, len(seen)-5):])
	}
	wantAnswers(t, fileLines(t, ctx, c2, done.OutputFileID), texts) // fileLines fails on a custom_id twice
}

// A small batch created while a large one runs completes while the large
// one is still running: the large one's chunks are queued a window at a
// time, so the small one's are not stuck behind all of them.
func TestOpenAISmallBatchCompletesWhileALargeOneRuns(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	r := startRouter(t, batchEnv(az.ConnectionString(), refmodelServer(t), "DISPATCH_WORKERS", "2", "BATCH_API_CHUNK_LINES", "32"))
	c := openAIClient(r.url)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var large []string
	for i := range 4000 {
		large = append(large, chatLine(fmt.Sprintf("large-%d", i), "large", 20)) // 32 lines a chunk: 0.6 s each
	}
	lb := createBatch(t, ctx, c, upload(t, ctx, c, large...))
	waitBatch(t, ctx, c, lb.ID, time.Minute, openai.BatchStatusInProgress)
	sb := createBatch(t, ctx, c, upload(t, ctx, c, chatLine("s1", "small", 0), chatLine("s2", "small", 0), chatLine("s3", "small", 0)))
	sb, _ = waitBatch(t, ctx, c, sb.ID, time.Minute, openai.BatchStatusCompleted, openai.BatchStatusFailed)
	if sb.Status != openai.BatchStatusCompleted || sb.RequestCounts.Completed != 3 {
		t.Fatalf("small batch %s %+v", sb.Status, sb.RequestCounts)
	}
	if l, err := c.Batches.Get(ctx, lb.ID); err != nil || l.Status != openai.BatchStatusInProgress || l.RequestCounts.Completed >= 4000 {
		t.Fatalf("large batch when the small one completed: %s %+v, %v; want still in progress", l.Status, l.RequestCounts, err)
	}
	_, _ = c.Batches.Cancel(ctx, lb.ID)
}

// OpenAI's per-batch limit, cancelled as soon as it is created: validation
// stops, no chunk is queued, nothing runs.
func TestOpenAICancelDuringValidationRunsNothing(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	r := startRouter(t, batchEnv(az.ConnectionString(), refmodelServer(t)))
	c := openAIClient(r.url)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	lines := make([]string, 50_000)
	for i := range lines {
		lines[i] = chatLine(fmt.Sprintf("q-%05d", i), "cancelled before it ran", 0)
	}
	b := createBatch(t, ctx, c, upload(t, ctx, c, lines...))
	got, err := c.Batches.Cancel(ctx, b.ID)
	if err != nil || got.Status != openai.BatchStatusCancelling {
		t.Fatalf("cancel while validating: %+v, %v", got.Status, err)
	}
	done, seen := waitBatch(t, ctx, c, b.ID, time.Minute, openai.BatchStatusCancelled, openai.BatchStatusCompleted, openai.BatchStatusFailed)
	if done.Status != openai.BatchStatusCancelled || done.RequestCounts.Completed != 0 || done.OutputFileID != "" || done.ErrorFileID != "" {
		t.Fatalf("batch %s %+v, files %q %q; seen %v", done.Status, done.RequestCounts, done.OutputFileID, done.ErrorFileID, seen)
	}
	// Nothing ran: no chunk of the batch has an outcome, and none waits.
	st := storage(t, az.ConnectionString())
	results, err := st.Blobs.List(ctx, config.Default().Storage.RequestContainer, "openai/batches/"+b.ID+"/results/")
	if err != nil || len(results) != 0 {
		t.Fatalf("%d chunk results (%v); want none", len(results), err)
	}
	if n, err := st.Work.Depth(ctx); err != nil || n != 0 {
		t.Fatalf("%d messages queued (%v); want none", n, err)
	}
}

// Six concurrent uploads a byte over the limit, the probe that took a
// router from 21 MB to 1,252 MB: all refused (413, or 429 beyond the
// uploads received at once), and the process's resident memory stays
// bounded, since uploads stream into storage and stop at the limit. (Not
// parallel: the resident memory is the whole test process's.)
func TestConcurrentOversizeUploadsStayUnderTheMemoryBound(t *testing.T) {
	const limit = 32 << 20
	az := azuritetest.Start(t)
	r := startRouter(t, batchEnv(az.ConnectionString(), refmodelServer(t), "BATCH_API_MAX_FILE_BYTES", strconv.Itoa(limit)))
	runtime.GC()
	base := residentBytes(t)
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if rss := residentBytes(t); rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	statuses := make([]int, 6)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() { statuses[i] = uploadOf(t, r.url, limit+1) })
	}
	wg.Wait()
	close(stop)
	<-sampled
	for i, s := range statuses {
		if s != http.StatusRequestEntityTooLarge && s != http.StatusTooManyRequests {
			t.Errorf("upload %d of %d bytes: %d; want 413 (or 429)", i, limit+1, s)
		}
	}
	grew := peak.Load() - base
	t.Logf("resident memory grew by %d MiB at most (six uploads of %d MiB at once)", grew>>20, limit>>20)
	if grew > 128<<20 {
		t.Fatalf("resident memory grew by %d MiB during six uploads of %d MiB; want under 128 MiB (uploads are streamed)", grew>>20, limit>>20)
	}
}

// residentBytes is this process's resident memory (VmRSS, Linux).
func residentBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status (%v): resident memory is measured on Linux", err)
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// uploadOf posts a file of n bytes (generated as it is sent) and returns
// the status.
func uploadOf(t *testing.T, base string, n int) int {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("purpose", "batch")
		part, err := mw.CreateFormFile("file", "big.jsonl")
		line := []byte(strings.Repeat("x", 1023) + "\n")
		for sent := 0; err == nil && sent < n; sent += len(line) {
			_, err = part.Write(line[:min(len(line), n-sent)])
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", base+"/v1/files", pr)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		pr.CloseWithError(err)
		t.Errorf("upload: %v", err)
		return 0
	}
	resp.Body.Close()
	pr.CloseWithError(io.ErrClosedPipe) // the router stopped reading: stop writing
	return resp.StatusCode
}
