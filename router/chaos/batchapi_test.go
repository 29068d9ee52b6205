package chaos

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The Batch API under kill -9 of the router in the middle of a large batch,
// with one line that kills the model (exit 137): the next router takes the
// batch over once the dead one's lease lapses, every line is in the output
// or the error file exactly once (a line whose chunk ran twice counts as
// duplicated runs, not as a duplicated line), and the crashing line alone
// fails.

// call makes an API call and decodes its JSON answer into v.
func call(method, url, contentType string, body io.Reader, v any) error {
	req, _ := http.NewRequest(method, url, body)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s %s: %d %s", method, req.URL.Path, resp.StatusCode, b)
	}
	if raw, ok := v.(*[]byte); ok {
		*raw = b
		return nil
	}
	return json.Unmarshal(b, v)
}

type batchObject struct {
	ID            string
	Status        string
	OutputFileID  string                                 `json:"output_file_id"`
	ErrorFileID   string                                 `json:"error_file_id"`
	RequestCounts struct{ Total, Completed, Failed int } `json:"request_counts"`
}

func TestKillRouterMidOpenAIBatch(t *testing.T) {
	chaosOnly(t) // waits out the dead router's lease (15 s)
	e := newEnv(t, false)
	openai := []string{"INFERENCE_API=openai", "BATCH_API_POLL_INTERVAL=500ms"}
	p := e.start("local", openai...)
	const n = 2000
	var in bytes.Buffer
	const crash = "line-1234"
	for i := range n {
		text := fmt.Sprintf("q %d", i)
		if fmt.Sprintf("line-%04d", i) == crash {
			text = "CRASH_ME" // model.sh exits 137 on a run holding it
		}
		fmt.Fprintf(&in, `{"custom_id":"line-%04d","method":"POST","url":"/v1/chat/completions","body":{"model":"reference-1","sleep_ms":5,"messages":[{"role":"user","content":%q}]}}`+"\n", i, text)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("purpose", "batch")
	fw, _ := mw.CreateFormFile("file", "in.jsonl")
	_, _ = fw.Write(in.Bytes())
	_ = mw.Close()
	var file struct{ ID string }
	if err := call("POST", p.url+"/v1/files", mw.FormDataContentType(), &form, &file); err != nil {
		t.Fatal(err)
	}
	var b batchObject
	if err := call("POST", p.url+"/v1/batches", "application/json",
		strings.NewReader(`{"input_file_id":"`+file.ID+`","endpoint":"/v1/chat/completions","completion_window":"24h"}`), &b); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for b.RequestCounts.Completed == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no line answered within a minute: %+v", b)
		}
		time.Sleep(50 * time.Millisecond)
		if err := call("GET", p.url+"/v1/batches/"+b.ID, "", nil, &b); err != nil {
			t.Fatal(err)
		}
	}
	waitRunning(t, e)
	t.Logf("kill -9 with %d of %d lines answered", b.RequestCounts.Completed, n)
	p.kill()

	second := e.start("local", openai...)
	deadline = time.Now().Add(3 * time.Minute)
	for b.Status != "completed" && b.Status != "failed" {
		if time.Now().After(deadline) {
			t.Fatalf("batch not completed within 3 minutes of the restart: %+v", b)
		}
		time.Sleep(200 * time.Millisecond)
		if err := call("GET", second.url+"/v1/batches/"+b.ID, "", nil, &b); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	r := row{name: "kill -9 router mid Batch API batch", accepted: n}
	for _, f := range []struct {
		id string
		ok *int
	}{{b.OutputFileID, &r.succeeded}, {b.ErrorFileID, &r.failed}} {
		if f.id == "" {
			continue
		}
		var raw []byte
		if err := call("GET", second.url+"/v1/files/"+f.id+"/content", "", nil, &raw); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l struct {
				CustomID string `json:"custom_id"`
				Error    *struct{ Code string }
			}
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			seen[l.CustomID]++
			*f.ok++
			if f.id == b.ErrorFileID && (l.CustomID != crash || l.Error == nil || l.Error.Code != "job_failed") {
				t.Errorf("error file line %s (%+v); want only %s, job_failed", l.CustomID, l.Error, crash)
			}
		}
	}
	ranTwice := 0
	runs := e.runs()
	for i := range n {
		id := fmt.Sprintf("line-%04d", i)
		switch {
		case seen[id] == 0:
			r.lost++
		case seen[id] > 1:
			r.duplicated++
		}
		if runs[id] > 1 {
			ranTwice++
		}
	}
	tableMu.Lock()
	table = append(table, r)
	tableMu.Unlock()
	t.Logf("%+v; %d lines' chunks ran twice (a dead router's runs are redone)", r, ranTwice)
	if r.lost > 0 || r.duplicated > 0 || b.Status != "completed" || b.RequestCounts.Completed != n-1 || b.RequestCounts.Failed != 1 {
		t.Fatalf("batch %+v: %d lines lost, %d in the files twice; want every line once", b, r.lost, r.duplicated)
	}
}
