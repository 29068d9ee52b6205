package http_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// openAIError reads OpenAI's error document.
func openAIError(t *testing.T, body []byte) (typ, code string) {
	t.Helper()
	var e struct {
		Error struct {
			Message, Type, Code string
			Param               *string
		}
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" || e.Error.Type == "" {
		t.Fatalf("not an OpenAI error document: %s", body)
	}
	return e.Error.Type, e.Error.Code
}

func TestOpenAIProxiesToTheSamePath(t *testing.T) {
	f := newFixture(t, nil, nil)
	f.warm()
	resp, body := f.do(t, "POST", "/v1/embeddings", `{"model":"m-test","input":"x"}`)
	if resp.StatusCode != 200 || string(body) != `{"echo":{"model":"m-test","input":"x"}}` {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if got := <-f.seen; got.URL.Path != "/v1/embeddings" || got.Header.Get("Authorization") != "" {
		t.Fatalf("backend saw %s with headers %v", got.URL.Path, got.Header)
	}
	resp, body = f.do(t, "GET", "/v1/models", "")
	if resp.StatusCode != 200 || !json.Valid(body) || len(f.seen) != 0 {
		t.Fatalf("models: %d %s (the app must not be asked)", resp.StatusCode, body)
	}
	g := newFixture(t, nil, func(s *router.Settings) { s.ModelVersion = "Qwen/Qwen2.5-3B-Instruct" })
	if resp, body := g.do(t, "GET", "/v1/models/Qwen/Qwen2.5-3B-Instruct", ""); resp.StatusCode != 200 {
		t.Fatalf("a model id with a slash: %d %s", resp.StatusCode, body)
	}
	if resp, body := g.do(t, "GET", "/v1/models/other", ""); resp.StatusCode != 404 {
		t.Fatalf("another model: %d %s", resp.StatusCode, body)
	}
}

func TestOpenAIShedsWith429AndRetryAfter(t *testing.T) {
	f := newFixture(t, nil, func(s *router.Settings) { s.MaxACAReplicas, s.ReplicaConcurrency = 1, 1 })
	f.warm()
	f.tracker.Begin(time.Now()) // the one slot is taken
	resp, body := f.do(t, "POST", "/v1/chat/completions", `{"model":"m-test","messages":[]}`)
	if typ, code := openAIError(t, body); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || typ != "rate_limit_error" || code != router.EOverloaded {
		t.Fatalf("got %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if len(f.seen) != 0 {
		t.Fatal("a shed request reached the app")
	}
}

func TestOpenAIColdRefusalWakesTheApp(t *testing.T) {
	f := newFixture(t, nil, nil)
	resp, body := f.do(t, "POST", "/v1/chat/completions", `{"model":"m-test","messages":[]}`, "X-Deadline-Ms", "2000")
	if typ, code := openAIError(t, body); resp.StatusCode != 503 || typ != "server_error" || code != router.EDeadlineUnmeetable ||
		resp.Header.Get("X-Route-Reason") != string(router.ReasonColdStartTooSlow) || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d %s reason %q", resp.StatusCode, body, resp.Header.Get("X-Route-Reason"))
	}
	select {
	case got := <-f.seen:
		if got.Method != http.MethodGet || got.URL.Path != "/v1/models" {
			t.Fatalf("wake request %s %s", got.Method, got.URL.Path)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the refusal did not wake the app")
	}
	// The wake's answer shows a replica is up: the retry is forwarded.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, _ = f.do(t, "POST", "/v1/chat/completions", `{"model":"m-test","messages":[]}`, "X-Deadline-Ms", "2000")
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retry still %d after the wake", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOpenAIRefusesXRouteBatch(t *testing.T) {
	f := newFixture(t, nil, nil)
	resp, body := f.do(t, "POST", "/v1/completions", `{}`, "X-Route", "batch")
	if typ, code := openAIError(t, body); resp.StatusCode != 400 || typ != "invalid_request_error" || code != router.EBadHeader {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
}
