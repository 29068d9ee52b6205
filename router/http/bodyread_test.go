package http_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
)

// slowClient sends the headers of a batch request declaring size bytes and
// then the first byte of the body only.
func slowClient(t *testing.T, addr string, size int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /v1/infer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Route: batch\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", testKey, size)
	return c
}

// A client trickling its body is cut off at the deadline for its size.
func TestSlowBodyIsCutAtItsDeadline(t *testing.T) {
	f := newFixture(t, nil, nil, func(c *routerhttp.Config) {
		c.BodyReadTimeout, c.BodyReadRate = 300*time.Millisecond, 1<<20
	})
	c := slowClient(t, strings.TrimPrefix(f.srv.URL, "http://"), 100)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer within 5 s to a body stalled after one byte (the read has no deadline): %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || time.Since(start) > 3*time.Second {
		t.Fatalf("stalled body: %d after %s, want 400 after about 300 ms", resp.StatusCode, time.Since(start))
	}
}

// Bodies being received at once are capped: one more is refused at once.
func TestConcurrentBodyReadsAreCapped(t *testing.T) {
	f := newFixture(t, nil, nil, func(c *routerhttp.Config) { c.MaxBodyReads = 2 })
	addr := strings.TrimPrefix(f.srv.URL, "http://")
	slowClient(t, addr, 100)
	slowClient(t, addr, 100)
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, body := f.do(t, "POST", "/v1/infer", `{"k":1}`, "X-Route", "batch")
		if resp.StatusCode == 429 {
			wantError(t, resp, body, 429, "overloaded")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a third body read while two stall: %d %s, want 429 overloaded", resp.StatusCode, body)
		}
		time.Sleep(10 * time.Millisecond) // the stalled requests may not have reached the handler yet
	}
}

// A client that declares a large body and trickles it is cut once it falls
// behind the minimum rate, not after the time its declared size would take.
func TestTricklingLargeBodyIsCutWhenItFallsBehind(t *testing.T) {
	f := newFixture(t, nil, nil, func(c *routerhttp.Config) {
		c.BodyReadTimeout, c.BodyReadRate = 300*time.Millisecond, 1<<10
	})
	c := slowClient(t, strings.TrimPrefix(f.srv.URL, "http://"), 60_000) // about 1 min at the rate
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer within 5 s to a body of 60,000 bytes arriving at 20 bytes/s: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || time.Since(start) > 3*time.Second {
		t.Fatalf("trickled body: %d after %s, want 400 after about 300 ms", resp.StatusCode, time.Since(start))
	}
}
