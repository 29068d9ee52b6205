package http_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/batchapi"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
)

// batchFixture is the router with the Batch API on in-memory stores.
func batchFixture(t *testing.T, maxFile int64, configure ...func(*routerhttp.Config)) (*fixture, *mem.Blobs) {
	blobs := &mem.Blobs{}
	svc := batchapi.New(batchapi.Config{Blobs: blobs, Container: "requests", Queue: &mem.Queue{}, Enabled: true, MaxFileBytes: maxFile})
	return newFixture(t, nil, nil, append([]func(*routerhttp.Config){func(c *routerhttp.Config) { c.Batches = svc }}, configure...)...), blobs
}

// form is a multipart upload with its fields in the given order.
func form(t *testing.T, fields ...string) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "file" {
			p, _ := w.CreateFormFile("file", "in.jsonl")
			p.Write([]byte(fields[i+1]))
		} else {
			_ = w.WriteField(fields[i], fields[i+1])
		}
	}
	_ = w.Close()
	return w.FormDataContentType(), &b
}

// OpenAI's Go SDK sends the file before the purpose, others after: both
// work, and a wrong or missing purpose stores nothing.
func TestUploadTakesThePurposeInEitherOrder(t *testing.T) {
	f, blobs := batchFixture(t, 1<<20)
	for _, fields := range [][]string{{"file", "{}\n", "purpose", "batch"}, {"purpose", "batch", "file", "{}\n{}\n"}} {
		ct, body := form(t, fields...)
		resp, b := f.do(t, "POST", "/v1/files", body.String(), "Content-Type", ct)
		var file router.File
		if resp.StatusCode != 200 || json.Unmarshal(b, &file) != nil || file.Purpose != "batch" || file.Bytes == 0 {
			t.Fatalf("%v: %d %s", fields[0], resp.StatusCode, b)
		}
	}
	stored, _ := blobs.List(t.Context(), "requests", "openai/files/")
	for _, fields := range [][]string{{"file", "{}\n", "purpose", "fine-tune"}, {"purpose", "assistants", "file", "{}\n"}, {"file", "{}\n"}} {
		ct, body := form(t, fields...)
		resp, b := f.do(t, "POST", "/v1/files", body.String(), "Content-Type", ct)
		wantError(t, resp, b, 400, router.EBadRequest)
	}
	if after, _ := blobs.List(t.Context(), "requests", "openai/files/"); len(after) != len(stored) {
		t.Fatalf("refused uploads stored %d blobs", len(after)-len(stored))
	}
}

// rawUpload sends an upload's headers declaring size bytes, and the start
// of its body.
func rawUpload(t *testing.T, addr string, size int, start string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: %d\r\n\r\n%s", testKey, size, start)
	return c
}

func rawAnswer(t *testing.T, c net.Conn, within time.Duration) (*http.Response, time.Duration) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(within))
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", within, err)
	}
	resp.Body.Close()
	return resp, time.Since(start)
}

// An upload declaring more than the limit is refused before its body is
// read; one whose file turns out larger is refused as soon as it passes the
// limit, without reading the rest.
func TestOversizeUploadsAreRefusedEarly(t *testing.T) {
	f, _ := batchFixture(t, 1000)
	addr := strings.TrimPrefix(f.srv.URL, "http://")
	c := rawUpload(t, addr, 10<<20, "")
	if resp, _ := rawAnswer(t, c, 2*time.Second); resp.StatusCode != 413 {
		t.Fatalf("declared 10 MiB: %d; want 413 before any byte of the body", resp.StatusCode)
	}
	head := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n" + strings.Repeat("{}\n", 400)
	c = rawUpload(t, addr, 60_000, head) // declared within the form's room, the file itself over 1000 bytes
	if resp, _ := rawAnswer(t, c, 2*time.Second); resp.StatusCode != 413 {
		t.Fatalf("a file over the limit: %d; want 413 without the rest of the body", resp.StatusCode)
	}
}

// Uploads received at once are bounded: beyond them, 429 at once.
func TestUploadsAtOnceAreBounded(t *testing.T) {
	f, _ := batchFixture(t, 1<<20)
	addr := strings.TrimPrefix(f.srv.URL, "http://")
	head := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n{}\n"
	for range 4 {
		rawUpload(t, addr, 100_000, head)
	}
	// Let the four reach their handlers first: an upload of this test that
	// took a slot before one of them would leave that one refused instead.
	time.Sleep(300 * time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	client := &http.Client{Timeout: 5 * time.Second} // an upload left waiting for a slot fails the test, not hangs it
	for {
		ct, body := form(t, "purpose", "batch", "file", "{}\n")
		req, _ := http.NewRequest("POST", f.srv.URL+"/v1/files", body)
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Content-Type", ct)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("a fifth upload while four stall: %v; want 429 at once", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 429 {
			wantError(t, resp, b, 429, router.EOverloaded)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a fifth upload while four stall: %d %s; want 429", resp.StatusCode, b)
		}
		time.Sleep(10 * time.Millisecond) // the stalled ones may not have reached the handler yet
	}
}

// The Batch API's bodies have the same deadline as every body: an upload
// or a batch request trickled is cut.
func TestBatchAPIBodiesHaveADeadline(t *testing.T) {
	f, _ := batchFixture(t, 100<<20, func(c *routerhttp.Config) { c.BodyReadTimeout, c.BodyReadRate = 300*time.Millisecond, 1<<10 })
	addr := strings.TrimPrefix(f.srv.URL, "http://")
	head := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n{}\n"
	c := rawUpload(t, addr, 50<<20, head) // 50 MiB declared, then nothing
	if resp, took := rawAnswer(t, c, 5*time.Second); resp.StatusCode != 400 || took > 3*time.Second {
		t.Fatalf("stalled upload: %d after %s; want 400 after about 300 ms", resp.StatusCode, took)
	}
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	fmt.Fprintf(c2, "POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", testKey)
	if resp, took := rawAnswer(t, c2, 5*time.Second); resp.StatusCode != 400 || took > 3*time.Second {
		t.Fatalf("stalled batch request: %d after %s; want 400 after about 300 ms", resp.StatusCode, took)
	}
}
