package refmodel

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// Line statuses in batch output.
const (
	StatusOK       = "ok"
	StatusBadInput = "bad_input"
)

type inLine struct {
	ID   string          `json:"id"`
	Body json.RawMessage `json:"body"`
}

type outLine struct {
	ID     string          `json:"id"`
	Status string          `json:"status"`
	Body   json.RawMessage `json:"body"`
}

// maxLine bounds one input line (a request body plus its id).
const maxLine = 64 << 20

// RunBatch is the batch contract: JSON lines {"id", "body"} in, one line
// {"id", "status", "body"} out per input line, in order. A line the model
// cannot read gets status bad_input; only an unreadable file fails the run.
func RunBatch(in io.Reader, out io.Writer) (int, error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	n := 0
	for sc.Scan() {
		raw := sc.Bytes()
		if len(raw) == 0 {
			continue
		}
		var l inLine
		if err := json.Unmarshal(raw, &l); err != nil || l.ID == "" {
			return n, fmt.Errorf("input line %d is not {\"id\", \"body\"}: %v", n+1, err)
		}
		o := outLine{ID: l.ID, Status: StatusOK}
		if input, err := Decode(l.Body); err != nil {
			o.Status, o.Body = StatusBadInput, errorBody(err)
		} else {
			o.Body, _ = json.Marshal(Predict(input))
		}
		if err := enc.Encode(o); err != nil {
			return n, fmt.Errorf("write output: %w", err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("read input: %w", err)
	}
	if err := w.Flush(); err != nil {
		return n, fmt.Errorf("write output: %w", err)
	}
	return n, nil
}
