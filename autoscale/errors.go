package autoscale

import (
	"errors"
	"fmt"
)

// Pos is a place in the formula text: line and column, both from 1; the
// column counts characters (runes), not bytes.
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Error is a parse or evaluation error at a place in the formula.
type Error struct {
	Line, Col int
	Msg       string
	// Err is the underlying cause, if any (for example a *SamplePercentError).
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

func errAt(p Pos, format string, args ...any) *Error {
	return &Error{Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)}
}

// ErrSamplePercent is matched (errors.Is) by an evaluation that failed because
// GetSample was asked for a percentage of samples the history did not have.
// Azure then makes no change to the pool ("In this case, no change is made to
// the pool size", batch-automatic-scaling.md, "GetSample() and sample ranges").
var ErrSamplePercent = errors.New("sample percent requirement not met")

// SamplePercentError tells which variable lacked samples and by how much.
type SamplePercentError struct {
	Variable  string
	Required  float64 // percent asked for
	Available float64 // percent present in the window
}

func (e *SamplePercentError) Error() string {
	return fmt.Sprintf("%s has %.1f%% of the samples in the window, %.1f%% required", e.Variable, e.Available, e.Required)
}

func (e *SamplePercentError) Is(target error) bool { return target == ErrSamplePercent }
