package http_test

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	"github.com/gpu-orchestration/gpu-orchestration/router/jobs"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// fleetFixture is a router of two models, chat-1 (alias chat, falling back
// to small-1) and small-1, each with its own app that answers with its
// name, the path asked and the body it got.
type fleetFixture struct {
	*fixture
	models *models.Catalog
}

func newFleetFixture(t *testing.T, chatFallbackByDefault bool) *fleetFixture {
	t.Helper()
	app := func(name string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			out, _ := json.Marshal(map[string]any{"app": name, "path": r.URL.Path, "body": json.RawMessage(orNull(b))})
			_, _ = w.Write(out)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	chat, small := app("chat"), app("small")
	specs := []config.Model{
		{Name: "chat-1", Key: "chat", Aliases: []string{"chat"}, Fallbacks: []string{"small-1"}, FallbackByDefault: chatFallbackByDefault,
			InferenceURL: chat + "/infer", API: router.FormatOpenAI, ColdStartSeconds: 120},
		{Name: "small-1", Key: "small", InferenceURL: small + "/infer", API: router.FormatOpenAI},
	}
	key := sha256.Sum256([]byte(testKey))
	settings := live.NewSettings(router.DefaultSettings(), [][sha256.Size]byte{key})
	cat, err := models.New(specs, settings)
	if err != nil {
		t.Fatal(err)
	}
	f := &fleetFixture{fixture: &fixture{queue: &mem.Queue{}, store: mem.NewStore()}, models: cat}
	f.srv = httptest.NewServer(routerhttp.NewServer(routerhttp.Config{
		Settings: settings, Models: cat, Metrics: metrics.New(), MaxBodyBytes: 1 << 16,
		Jobs: &jobs.Service{Queue: f.queue, Store: f.store, Payloads: &mem.Blobs{}, RequestContainer: "requests"},
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func orNull(b []byte) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}

// warmModel makes the router believe model key's app answered just now.
func (f *fleetFixture) warmModel(key string) {
	tr := f.models.For(key).Stable().Tracker
	now := time.Now()
	tr.Begin(now)
	tr.End(now, 10*time.Millisecond, 0, live.AnsweredWarm)
}

// appAnswer reads which app answered and what it got.
func appAnswer(t *testing.T, body []byte) (app, path, model string) {
	t.Helper()
	var a struct {
		App, Path string
		Body      struct{ Model string }
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("not an app's answer: %s", body)
	}
	return a.App, a.Path, a.Body.Model
}

func TestModelsListsTheFleet(t *testing.T) {
	f := newFleetFixture(t, false)
	resp, body := f.do(t, "GET", "/v1/models", "")
	var list struct {
		Data []struct {
			ID      string
			Aliases []string
		}
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil || len(list.Data) != 2 ||
		list.Data[0].ID != "chat-1" || list.Data[1].ID != "small-1" || len(list.Data[0].Aliases) != 1 {
		t.Fatalf("models: %d %s; want chat-1 (alias chat) and small-1", resp.StatusCode, body)
	}
	if resp, body := f.do(t, "GET", "/v1/models/chat", ""); resp.StatusCode != 200 || !strings.Contains(string(body), `"id":"chat-1"`) {
		t.Fatalf("an alias: %d %s, want chat-1", resp.StatusCode, body)
	}
	resp, body = f.do(t, "GET", "/v1/models/gpt-9", "")
	if typ, code := openAIError(t, body); resp.StatusCode != 404 || code != router.EModelNotFound || typ != "invalid_request_error" {
		t.Fatalf("an unknown model: %d %s", resp.StatusCode, body)
	}
}

// Each request goes to the app of the model it names — by the body's
// "model", an alias, or X-Model on /v1/infer — and the answer says which.
// A body that names the model by an alias reaches the app with the model's
// own name, the only one the app serves it under.
func TestRequestsGoToTheirModelsApp(t *testing.T) {
	f := newFleetFixture(t, false)
	f.warmModel("chat")
	f.warmModel("small")
	for _, c := range []struct {
		path, body, header, wantApp, wantPath, wantBodyModel string
	}{
		{"/v1/chat/completions", `{"model":"chat-1","messages":[]}`, "", "chat", "/v1/chat/completions", "chat-1"},
		{"/v1/chat/completions", `{"model":"chat","messages":[]}`, "", "chat", "/v1/chat/completions", "chat-1"},
		{"/v1/embeddings", `{"model":"small-1","input":"x"}`, "", "small", "/v1/embeddings", "small-1"},
		{"/v1/infer", `{"text":"x"}`, "small-1", "small", "/infer", ""},
		{"/v1/infer", `{"model":"small-1","text":"x"}`, "", "small", "/infer", "small-1"},
		{"/v1/infer", `{"model":"chat","text":"x"}`, "", "chat", "/infer", "chat-1"},
		{"/v1/infer", `{"text":"x"}`, "", "chat", "/infer", ""}, // none named: the first model
	} {
		resp, body := f.do(t, "POST", c.path, c.body, "X-Model", c.header, "X-Route", "realtime")
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", c.path, c.body, resp.StatusCode, body)
		}
		if app, path, model := appAnswer(t, body); app != c.wantApp || path != c.wantPath || model != c.wantBodyModel {
			t.Errorf("%s %s (X-Model %q): answered by %s at %s for model %q, want %s at %s for %q", c.path, c.body, c.header, app, path, model, c.wantApp, c.wantPath, c.wantBodyModel)
		}
		if got := resp.Header.Get("X-Model"); got != map[string]string{"chat": "chat-1", "small": "small-1"}[c.wantApp] {
			t.Errorf("%s %s: X-Model %q", c.path, c.body, got)
		}
	}
	if st := f.models.For("small").Stable().Tracker.Snapshot(time.Now()); st.SinceUrgent == router.NeverServed {
		t.Error("small-1's urgent requests were not counted in its own live state")
	}
}

func TestAnUnknownModelIs404(t *testing.T) {
	f := newFleetFixture(t, false)
	for _, c := range []struct{ path, body, header string }{
		{"/v1/chat/completions", `{"model":"gpt-9","messages":[]}`, ""},
		{"/v1/infer", `{"text":"x"}`, "gpt-9"},
	} {
		resp, body := f.do(t, "POST", c.path, c.body, "X-Model", c.header)
		if typ, code := openAIError(t, body); resp.StatusCode != 404 || code != router.EModelNotFound || typ != "invalid_request_error" ||
			!strings.Contains(string(body), "chat-1") {
			t.Errorf("%s naming gpt-9: %d %s; want 404 model_not_found naming the models served", c.path, resp.StatusCode, body)
		}
	}
}

// A request the asked model cannot answer in time (cold) is answered by a
// warm fallback when it allows it, with the body's model set to the
// fallback's and the answer naming it; otherwise the refusal stands.
func TestAColdModelFallsBackToAWarmOne(t *testing.T) {
	body := `{"model":"chat","messages":[{"role":"user","content":"hi"}]}`
	for _, c := range []struct {
		name      string
		byDefault bool
		header    string
		want      int
	}{
		{"asked for", false, "allow", 200},
		{"not asked for", false, "", 503},
		{"by default", true, "", 200},
		{"denied", true, "deny", 503},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFleetFixture(t, c.byDefault)
			f.warmModel("small")
			resp, got := f.do(t, "POST", "/v1/chat/completions", body, "X-Deadline-Ms", "5000", "X-Model-Fallback", c.header)
			if resp.StatusCode != c.want {
				t.Fatalf("%d %s, want %d", resp.StatusCode, got, c.want)
			}
			if c.want != 200 {
				if resp.Header.Get("X-Route-Reason") != string(router.ReasonColdStartTooSlow) || resp.Header.Get("X-Model") != "chat-1" {
					t.Fatalf("refusal %s by %s", resp.Header.Get("X-Route-Reason"), resp.Header.Get("X-Model"))
				}
				return
			}
			if app, _, model := appAnswer(t, got); app != "small" || model != "small-1" || resp.Header.Get("X-Model") != "small-1" {
				t.Fatalf("answered by %s for model %q (X-Model %q); want small-1's app, asked for small-1", app, model, resp.Header.Get("X-Model"))
			}
		})
	}
}
