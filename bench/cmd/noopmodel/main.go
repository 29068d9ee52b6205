// Command noopmodel is the batch command of the Batch API benchmark: a
// model that does no work, so the benchmark measures the router, the
// dispatcher and storage. It reads OpenAI batch lines from
// $BATCH_INPUT_PATH and writes, for each, a 200 answer of the chat shape
// (one fixed word) to $BATCH_OUTPUT_PATH.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	if err := run(os.Getenv("BATCH_INPUT_PATH"), os.Getenv("BATCH_OUTPUT_PATH")); err != nil {
		fmt.Fprintln(os.Stderr, "noopmodel:", err)
		os.Exit(1)
	}
}

const answer = `{"id":"chatcmpl-noop","object":"chat.completion","created":0,"model":"reference-1","choices":[{"index":0,"finish_reason":"stop","logprobs":null,"message":{"role":"assistant","content":"ok","refusal":null}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(o)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var l struct {
			CustomID string `json:"custom_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("input line: %w", err)
		}
		id, _ := json.Marshal(l.CustomID)
		fmt.Fprintf(w, `{"id":"batch_req_noop","custom_id":%s,"response":{"status_code":200,"request_id":"noop","body":%s},"error":null}`+"\n", id, answer)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return o.Close()
}
