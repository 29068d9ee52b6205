package http_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
)

// Both front doors — /v1/infer and the OpenAI endpoints — run one request
// core, so what one does for a request the other does too. Each test here
// holds for every door.

// frontDoors are a request of each door that the router routes realtime.
var frontDoors = []struct{ name, path, body string }{
	{"infer", "/v1/infer", `{"text":"hi"}`},
	{"openai chat", "/v1/chat/completions", `{"model":"m-test","messages":[{"role":"user","content":"hi"}]}`},
	{"openai embeddings", "/v1/embeddings", `{"model":"m-test","input":"hi"}`},
}

// A client trickling its body is cut at the deadline for its size on every
// door, not only on /v1/infer.
func TestSlowBodyIsCutOnEveryFrontDoor(t *testing.T) {
	for _, d := range frontDoors {
		t.Run(d.name, func(t *testing.T) {
			f := newFixture(t, nil, func(s *router.Settings) { s.MinReplicas = 1 }, func(c *routerhttp.Config) {
				c.BodyReadTimeout, c.BodyReadRate = 300*time.Millisecond, 1<<20
			})
			f.warm()
			c, err := net.Dial("tcp", strings.TrimPrefix(f.srv.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Route: realtime\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", d.path, testKey)
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer within 5 s to a body stalled after one byte (the read has no deadline): %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Fatalf("stalled body: %d, want 400 bad_request", resp.StatusCode)
			}
		})
	}
}

// A request that only realtime answers in time counts as an urgent arrival,
// which keep-warm pricing reads (router.KeepWarm), whichever door it came by.
func TestEveryFrontDoorCountsUrgentArrivals(t *testing.T) {
	for _, d := range frontDoors {
		t.Run(d.name, func(t *testing.T) {
			f := newFixture(t, nil, func(s *router.Settings) { s.MinReplicas = 1 })
			f.warm()
			if st := f.tracker.Snapshot(time.Now()); st.SinceUrgent != router.NeverServed {
				t.Fatalf("an urgent arrival before any request: %+v", st)
			}
			resp, body := f.do(t, "POST", d.path, d.body, "X-Route", "realtime")
			if resp.StatusCode != 200 {
				t.Fatalf("got %d %s", resp.StatusCode, body)
			}
			if st := f.tracker.Snapshot(time.Now()); st.SinceUrgent == router.NeverServed || st.UrgentRate <= 0 {
				t.Fatalf("after an urgent %s request: since urgent %s, urgent rate %g; want it counted", d.path, st.SinceUrgent, st.UrgentRate)
			}
		})
	}
}

// Every door writes the same request log line — the message the operator
// workbook filters on (config.LogInfer) and every config.LogField — so its
// traffic shows in the workbook's queries.
func TestEveryFrontDoorLogsTheRequestLine(t *testing.T) {
	logs := &logBuffer{}
	f := newFixture(t, nil, func(s *router.Settings) { s.MinReplicas = 1 }, func(c *routerhttp.Config) { c.Log = logs.logger() })
	f.warm()
	ids := map[string]string{}
	for _, d := range frontDoors {
		resp, body := f.do(t, "POST", d.path, d.body, "X-Deadline-Ms", "30000")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: got %d %s", d.path, resp.StatusCode, body)
		}
		ids[resp.Header.Get("X-Request-Id")] = d.path
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m[slog.MessageKey] != config.LogInfer {
			continue
		}
		path, ok := ids[fmt.Sprint(m[config.LogFieldRequestID])]
		if !ok {
			continue
		}
		seen[path] = true
		for _, field := range config.LogFields {
			if _, ok := m[field]; !ok {
				t.Errorf("%s: the request line lacks %q: %s", path, field, line)
			}
		}
		if m[config.LogFieldPath] != path || m[config.LogFieldRoute] != router.RouteRealtime.String() || m[config.LogFieldDeadlineMs] != 30000.0 {
			t.Errorf("%s: request line %s", path, line)
		}
	}
	for _, d := range frontDoors {
		if !seen[d.path] {
			t.Errorf("%s: no %q line with its request id; logs:\n%s", d.path, config.LogInfer, logs.String())
		}
	}
}
