package router

import (
	"fmt"
	"strconv"
	"time"
)

// Mode is what the caller asked for in the X-Route header.
type Mode uint8

const (
	// ModeAuto lets the router choose the cheapest route that meets the deadline.
	ModeAuto Mode = iota
	// ModeRealtime asks for a synchronous answer from the inference app; the
	// router never turns it into a batch job.
	ModeRealtime
	// ModeBatch asks for an asynchronous job: 202 with a job id, result later.
	ModeBatch
)

var modeNames = [...]string{ModeAuto: "auto", ModeRealtime: "realtime", ModeBatch: "batch"}

// String returns the header spelling of the mode.
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode reads an X-Route header value; empty means auto. It returns a
// bad_header error for anything else.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "auto":
		return ModeAuto, nil
	case "realtime":
		return ModeRealtime, nil
	case "batch":
		return ModeBatch, nil
	}
	return ModeAuto, Errorf(EBadHeader, "X-Route must be auto, realtime or batch, got %q", Excerpt(s))
}

// MaxDeadline bounds X-Deadline-Ms: a week is longer than any job should wait.
const MaxDeadline = 7 * 24 * time.Hour

// ParseDeadline reads an X-Deadline-Ms header value: a positive whole number
// of milliseconds within MaxDeadline. Empty means no deadline (zero).
func ParseDeadline(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 || ms > MaxDeadline.Milliseconds() {
		return 0, Errorf(EBadHeader, "X-Deadline-Ms must be a whole number of milliseconds between 1 and %d, got %q",
			MaxDeadline.Milliseconds(), Excerpt(s))
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Request is what the router knows about an inference request when it decides
// where to run it: the caller's mode, how long the caller is prepared to wait
// for the answer, and the size of the body.
type Request struct {
	// Mode is the caller's X-Route.
	Mode Mode
	// Deadline is how long after arrival the caller needs the answer
	// (X-Deadline-Ms). Zero means the caller stated none.
	Deadline time.Duration
	// Size is the body length in bytes; -1 when unknown (chunked upload).
	Size int64
}

// String is for logs.
func (r Request) String() string {
	return fmt.Sprintf("mode=%s deadline=%s size=%d", r.Mode, r.Deadline, r.Size)
}
