package refmodel_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/refmodel"
)

func TestStreamedWordsJoinToTheUnaryAnswer(t *testing.T) {
	srv := httptest.NewServer(refmodel.Handler("/infer"))
	defer srv.Close()
	body := `{"model":"reference-1","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"stream":true,"stream_options":{"include_usage":true}}`
	resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	var text strings.Builder
	var finish string
	var usage, done bool
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var c struct {
			Choices []struct {
				Delta        struct{ Content string }
				FinishReason *string `json:"finish_reason"`
			}
			Usage *struct {
				CompletionTokens int `json:"completion_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			t.Fatalf("event %q: %v", data, err)
		}
		for _, ch := range c.Choices {
			text.WriteString(ch.Delta.Content)
			if ch.FinishReason != nil {
				finish = *ch.FinishReason
			}
		}
		usage = usage || (c.Usage != nil && c.Usage.CompletionTokens == 5)
	}
	want := refmodel.Generate("user: hi\n", 5)
	if text.String() != want.Text() || finish != want.FinishReason || !usage || !done {
		t.Fatalf("stream %q finish %q usage %v done %v; want %q %q", text.String(), finish, usage, done, want.Text(), want.FinishReason)
	}
}

func TestOpenAIErrorsNameTheField(t *testing.T) {
	srv := httptest.NewServer(refmodel.Handler("/infer"))
	defer srv.Close()
	for _, c := range []struct {
		path, body string
		status     int
		param      string
	}{
		{"/v1/chat/completions", `{"model":"nope","messages":[]}`, 404, "model"},
		{"/v1/chat/completions", `{"model":"reference-1","messages":[]}`, 400, "messages"},
		{"/v1/completions", `{"model":"reference-1","prompt":"x","max_tokens":0}`, 400, "max_tokens"},
		{"/v1/embeddings", `{"model":"reference-1","input":"x","encoding_format":"int8"}`, 400, "encoding_format"},
	} {
		resp, err := http.Post(srv.URL+c.path, "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Error struct{ Message, Type, Code, Param string }
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != c.status || e.Error.Param != c.param || e.Error.Message == "" || e.Error.Type == "" {
			t.Errorf("%s %s: %d %+v; want %d naming %s", c.path, c.body, resp.StatusCode, e.Error, c.status, c.param)
		}
	}
}

func TestBatchRunnerReadsOpenAILines(t *testing.T) {
	in := strings.Join([]string{
		`{"custom_id":"c1","method":"POST","url":"/v1/chat/completions","body":{"model":"reference-1","messages":[{"role":"user","content":"hi"}]}}`,
		`{"custom_id":"e1","method":"POST","url":"/v1/embeddings","body":{"model":"reference-1","input":"hi","dimensions":4}}`,
		`{"custom_id":"i1","method":"POST","url":"/infer","body":{"text":"hello"}}`,
		`{"custom_id":"bad","method":"POST","url":"/v1/chat/completions","body":{"model":"other"}}`,
		`{"id":"ref","body":{"text":"hello"}}`,
	}, "\n")
	var out bytes.Buffer
	n, err := refmodel.RunBatch(strings.NewReader(in), &out)
	if err != nil || n != 5 {
		t.Fatalf("RunBatch = %d, %v", n, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	status := map[string]int{}
	for _, l := range lines[:4] {
		var o struct {
			CustomID string `json:"custom_id"`
			Response struct {
				StatusCode int `json:"status_code"`
				Body       json.RawMessage
			}
		}
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("line %s: %v", l, err)
		}
		status[o.CustomID] = o.Response.StatusCode
	}
	if status["c1"] != 200 || status["e1"] != 200 || status["i1"] != 200 || status["bad"] != 404 {
		t.Fatalf("statuses %v", status)
	}
	if !strings.Contains(lines[4], `"id":"ref","status":"ok"`) {
		t.Fatalf("reference line in the same file: %s", lines[4])
	}
}

// A faithful stand-in for OpenAI's chat completion: message.refusal is
// there (null: the model answered), and n answers come back, the first the
// one a request without n gets, the others different; usage counts them all.
func TestChatGivesNChoicesWithRefusal(t *testing.T) {
	srv := httptest.NewServer(refmodel.Handler("/infer"))
	defer srv.Close()
	post := func(path, body string) (int, []byte) {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.Bytes()
	}
	status, b := post("/v1/chat/completions", `{"model":"reference-1","messages":[{"role":"user","content":"hi"}],"n":3}`)
	var chat struct {
		Choices []struct {
			Index   int
			Message map[string]any
		}
		Usage struct {
			CompletionTokens int `json:"completion_tokens"`
		}
	}
	if status != 200 || json.Unmarshal(b, &chat) != nil || len(chat.Choices) != 3 {
		t.Fatalf("n=3: %d %s", status, b)
	}
	words := 0
	for k, c := range chat.Choices {
		want := refmodel.Sample("user: hi\n", refmodel.DefaultMaxTokens, k)
		if refusal, ok := c.Message["refusal"]; !ok || refusal != nil || c.Index != k || c.Message["content"] != want.Text() {
			t.Fatalf("choice %d: %+v; want index %d, refusal null, %q", k, c, k, want.Text())
		}
		words += len(want.Words)
	}
	if chat.Choices[0].Message["content"] != refmodel.Generate("user: hi\n", refmodel.DefaultMaxTokens).Text() ||
		chat.Choices[1].Message["content"] == chat.Choices[0].Message["content"] || chat.Usage.CompletionTokens != words {
		t.Fatalf("choices %+v usage %d; want the first as without n, the others different, %d tokens", chat.Choices, chat.Usage.CompletionTokens, words)
	}
	// Streamed: each choice's words under its index.
	status, b = post("/v1/chat/completions", `{"model":"reference-1","messages":[{"role":"user","content":"hi"}],"n":2,"stream":true}`)
	texts := map[int]string{}
	for l := range strings.Lines(string(b)) {
		data, ok := strings.CutPrefix(strings.TrimSpace(l), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var c struct {
			Choices []struct {
				Index int
				Delta struct{ Content string }
			}
		}
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			t.Fatalf("event %q", data)
		}
		for _, ch := range c.Choices {
			texts[ch.Index] += ch.Delta.Content
		}
	}
	for k := range 2 {
		if want := refmodel.Sample("user: hi\n", refmodel.DefaultMaxTokens, k).Text(); status != 200 || texts[k] != want {
			t.Fatalf("streamed choice %d: %q; want %q", k, texts[k], want)
		}
	}
	status, b = post("/v1/completions", `{"model":"reference-1","prompt":"hi","n":2}`)
	if status != 200 || strings.Count(string(b), `"index"`) != 2 {
		t.Fatalf("completions n=2: %d %s", status, b)
	}
	if status, b = post("/v1/chat/completions", `{"model":"reference-1","messages":[{"role":"user","content":"hi"}],"n":0}`); status != 400 || !strings.Contains(string(b), `"param":"n"`) {
		t.Fatalf("n=0: %d %s; want 400 naming n", status, b)
	}
}
