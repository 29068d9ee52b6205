// Command batchapi is the Batch API benchmark: it starts a router binary
// with the local executor and a batch command that does no work
// (bench/cmd/noopmodel), uploads a file of -lines chat lines of -line-bytes
// each (generated as it is sent), creates a batch over it, follows it until
// it ends, and prints one tab-separated line:
//
//	label lines file_MB upload_s validated_s total_at_validated
//	completed_s max_progress_gap_s completed failed peak_rss_MiB status
//
// validated_s is from creation until the status is past validating;
// completed_s until it is terminal; max_progress_gap_s is the longest time
// request_counts stood still between creation and finalizing; peak_rss_MiB
// is the router process's VmHWM (Linux). scripts/bench-batchapi.sh runs it
// on this tree and a baseline commit side by side.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	routerBin := flag.String("router", "", "router binary")
	model := flag.String("model", "", "batch command (LOCAL_BATCH_COMMAND)")
	connString := flag.String("connection-string", os.Getenv("STORAGE_CONNECTION_STRING"), "storage (Azurite)")
	lines := flag.Int("lines", 50_000, "lines in the file")
	lineBytes := flag.Int("line-bytes", 4000, "bytes per line, newline included")
	label := flag.String("label", "router", "first column")
	timeout := flag.Duration("timeout", 15*time.Minute, "give up on the batch after this long")
	flag.Parse()
	if *routerBin == "" || *model == "" || *connString == "" {
		fmt.Fprintln(os.Stderr, "batchapi: -router, -model and -connection-string are needed")
		os.Exit(2)
	}
	r, err := run(*routerBin, *model, *connString, *label, *lines, *lineBytes, *timeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "batchapi:", err)
		os.Exit(1)
	}
	fmt.Println(r)
}

type result struct {
	label                        string
	lines                        int
	fileMB                       float64
	upload, validated, completed time.Duration
	totalAtValidated             int
	maxGap                       time.Duration
	counts                       counts
	peakRSSMiB                   float64
	status                       string
}

func (r result) String() string {
	sec := func(d time.Duration) string {
		if d == 0 {
			return "-"
		}
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64)
	}
	return strings.Join([]string{r.label, strconv.Itoa(r.lines), strconv.FormatFloat(r.fileMB, 'f', 1, 64), sec(r.upload),
		sec(r.validated), strconv.Itoa(r.totalAtValidated), sec(r.completed), sec(r.maxGap),
		strconv.Itoa(r.counts.Completed), strconv.Itoa(r.counts.Failed), strconv.FormatFloat(r.peakRSSMiB, 'f', 0, 64), r.status}, "\t")
}

type counts struct {
	Total     int `json:"total"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
}

type batch struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	RequestCounts counts `json:"request_counts"`
}

const key = "bench-batchapi-key"

func run(routerBin, model, connString, label string, lines, lineBytes int, timeout time.Duration) (result, error) {
	res := result{label: label, lines: lines, fileMB: float64(lines*lineBytes) / 1e6}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	addr := ln.Addr().String()
	ln.Close()
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36) // fresh queues and containers per run
	cmd := exec.Command(routerBin)
	cmd.Env = append(os.Environ(), "ROUTER_ADDR="+addr, "ROUTER_API_KEY="+key, "STORAGE_CONNECTION_STRING="+connString,
		"EXECUTOR=local", "LOCAL_BATCH_COMMAND="+model, "INFERENCE_API=openai", "INFERENCE_URL=http://127.0.0.1:9/infer",
		"BATCH_API_MAX_FILE_BYTES="+strconv.Itoa(max(lines*lineBytes+1<<20, 100<<20)), "LOG_LEVEL=warn", "DRAIN_PERIOD=0s",
		"WORK_QUEUE=work"+suffix, "POISON_QUEUE=poison"+suffix, "REQUEST_CONTAINER=req"+suffix, "RESULT_CONTAINER=res"+suffix)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return res, err
	}

	start := time.Now()
	fileID, err := upload(base, lines, lineBytes)
	if err != nil {
		return res, err
	}
	res.upload = time.Since(start)
	var b batch
	if err := call("POST", base+"/v1/batches", fmt.Sprintf(`{"input_file_id":%q,"endpoint":"/v1/chat/completions","completion_window":"24h"}`, fileID), &b); err != nil {
		return res, err
	}
	created, lastChange := time.Now(), time.Now()
	last := b
	for {
		time.Sleep(200 * time.Millisecond)
		now := time.Now()
		if err := call("GET", base+"/v1/batches/"+b.ID, "", &b); err != nil {
			return res, err
		}
		if b.Status != last.Status || b.RequestCounts != last.RequestCounts {
			if last.Status == "validating" || last.Status == "in_progress" {
				res.maxGap = max(res.maxGap, now.Sub(lastChange))
			}
			lastChange, last = now, b
		}
		if res.validated == 0 && b.Status != "validating" {
			res.validated, res.totalAtValidated = now.Sub(created), b.RequestCounts.Total
		}
		res.status, res.counts = b.Status, b.RequestCounts
		switch b.Status {
		case "completed", "failed", "cancelled", "expired":
			res.completed = now.Sub(created)
			res.peakRSSMiB = peakRSS(cmd.Process.Pid)
			return res, nil
		}
		if now.Sub(created) > timeout {
			res.peakRSSMiB = peakRSS(cmd.Process.Pid)
			res.status = b.Status + " after " + timeout.String()
			return res, nil
		}
	}
}

func waitReady(base string) error {
	for range 300 {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the router at %s did not become ready", base)
}

// upload sends the file as OpenAI's clients do (multipart, purpose batch),
// generating its lines as they are sent.
func upload(base string, lines, lineBytes int) (string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("purpose", "batch")
		part, err := mw.CreateFormFile("file", "bench.jsonl")
		if err == nil {
			w := bufio.NewWriterSize(part, 1<<20)
			for i := range lines {
				if err = writeLine(w, i, lineBytes); err != nil {
					break
				}
			}
			if err == nil {
				err = w.Flush()
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", base+"/v1/files", pr)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var f struct{ ID string }
	if err := do(req, &f); err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	return f.ID, nil
}

// writeLine writes chat line i padded to n bytes with its newline.
func writeLine(w io.Writer, i, n int) error {
	head := fmt.Sprintf(`{"custom_id":"r-%07d","method":"POST","url":"/v1/chat/completions","body":{"model":"reference-1","messages":[{"role":"user","content":"`, i)
	tail := `"}]}}` + "\n"
	pad := max(n-len(head)-len(tail), 1)
	_, err := io.WriteString(w, head+strings.Repeat("x", pad)+tail)
	return err
}

func call(method, url, body string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	return do(req, v)
}

func do(req *http.Request, v any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, v)
}

// peakRSS is the process's peak resident set (VmHWM), in MiB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
