package autoscale

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Trace is a metric trace: samples of service variables over time, as read
// from CSV by ReadTrace.
type Trace struct {
	// Start is the instant the offsets count from.
	Start time.Time
	// Variables are the columns after t, in file order, e.g. "$PendingTasks".
	Variables []string
	// Offsets are the rows' times from Start, non-decreasing.
	Offsets []time.Duration
	// Values holds one column per variable; NaN marks a missing sample.
	Values map[string][]float64
}

// ReadTrace reads a CSV trace: a header "t,<variable>,<variable>…" where t is
// seconds from start and each other column is a service variable written
// with its '$' (the read-only metrics, plus $TargetDedicatedNodes and
// $TargetLowPriorityNodes for the pool's current targets), then one row per
// 30-second sample. An empty cell is a sample Batch did not record, so
// sparse histories can be tested. Errors name the line and column.
func ReadTrace(r io.Reader, start time.Time) (*Trace, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("trace: empty; want a header t,$Variable,…")
	}
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	if len(header) < 2 || strings.TrimSpace(header[0]) != "t" {
		return nil, fmt.Errorf("trace: line 1: header must be t,$Variable,… (e.g. t,$PendingTasks), got %q", strings.Join(header, ","))
	}
	tr := &Trace{Start: start.UTC(), Values: map[string][]float64{}}
	for i, name := range header[1:] {
		name = strings.TrimSpace(name)
		_, settable := canonicalSettable(name)
		if !IsServiceVariable(name) && (!settable || name == VarNodeDeallocation) {
			return nil, fmt.Errorf("trace: line 1, column %d: %q is not a service variable; known: %s, %s, %s", i+2, name, strings.Join(readOnlyVariables, ", "), VarTargetDedicated, VarTargetLowPriority)
		}
		if _, dup := tr.Values[name]; dup {
			return nil, fmt.Errorf("trace: line 1, column %d: %s appears twice", i+2, name)
		}
		tr.Variables = append(tr.Variables, name)
		tr.Values[name] = nil
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		line, _ := cr.FieldPos(0)
		secs, err := strconv.ParseFloat(strings.TrimSpace(rec[0]), 64)
		if err != nil || secs < 0 || math.IsInf(secs, 0) {
			return nil, fmt.Errorf("trace: line %d: t must be seconds from the trace start, got %q", line, rec[0])
		}
		off := time.Duration(secs * float64(time.Second))
		if n := len(tr.Offsets); n > 0 && off < tr.Offsets[n-1] {
			return nil, fmt.Errorf("trace: line %d: t=%s goes back in time", line, rec[0])
		}
		tr.Offsets = append(tr.Offsets, off)
		for i, name := range tr.Variables {
			cell := strings.TrimSpace(rec[i+1])
			v := math.NaN()
			if cell != "" {
				if v, err = strconv.ParseFloat(cell, 64); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("trace: line %d, column %d: %s must be a number or empty, got %q", line, i+2, name, cell)
				}
			}
			tr.Values[name] = append(tr.Values[name], v)
		}
	}
	if len(tr.Offsets) == 0 {
		return nil, errors.New("trace: no samples after the header")
	}
	return tr, nil
}

// End is the time of the last row.
func (tr *Trace) End() time.Time { return tr.Start.Add(tr.Offsets[len(tr.Offsets)-1]) }

// History returns every recorded sample of variable, oldest first.
func (tr *Trace) History(variable string) []Sample { return tr.historyUntil(variable, tr.End()) }

func (tr *Trace) historyUntil(variable string, until time.Time) []Sample {
	col, ok := tr.Values[variable]
	if !ok {
		return nil
	}
	var out []Sample
	for i, off := range tr.Offsets {
		at := tr.Start.Add(off)
		if at.After(until) {
			break
		}
		if !math.IsNaN(col[i]) {
			out = append(out, Sample{Time: at, Value: col[i]})
		}
	}
	return out
}

// Until is the trace as a formula evaluated at now sees it when samples
// arrive delay late: only samples taken at or before now-delay.
func (tr *Trace) Until(now time.Time, delay time.Duration) SampleSource {
	return traceView{tr: tr, until: now.Add(-delay)}
}

type traceView struct {
	tr    *Trace
	until time.Time
}

func (v traceView) History(variable string) []Sample { return v.tr.historyUntil(variable, v.until) }

// Latest is variable's most recent recorded sample at or before at.
func (tr *Trace) Latest(variable string, at time.Time) (float64, bool) {
	h := tr.historyUntil(variable, at)
	if len(h) == 0 {
		return 0, false
	}
	return h[len(h)-1].Value, true
}

// Env is the environment for evaluating a formula once at the end of the
// trace, with every row as Batch holds it then: the `formula eval` case. The
// pool's current targets come from the trace's $TargetDedicatedNodes and
// $TargetLowPriorityNodes columns when it has them, else zero.
func (tr *Trace) Env() Env {
	end := tr.End()
	env := Env{Now: end, Samples: tr}
	for _, name := range []string{VarTargetDedicated, aliasTargetDedicated} {
		if v, ok := tr.Latest(name, end); ok {
			env.TargetDedicatedNodes = v
		}
	}
	for _, name := range []string{VarTargetLowPriority, aliasTargetLowPriority} {
		if v, ok := tr.Latest(name, end); ok {
			env.TargetLowPriorityNodes = v
		}
	}
	return env
}

// WriteTrace writes tr back as CSV, in ReadTrace's format.
func WriteTrace(w io.Writer, tr *Trace) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{"t"}, tr.Variables...)); err != nil {
		return err
	}
	for i, off := range tr.Offsets {
		row := []string{strconv.FormatFloat(off.Seconds(), 'f', -1, 64)}
		for _, name := range tr.Variables {
			v := tr.Values[name][i]
			if math.IsNaN(v) {
				row = append(row, "")
			} else {
				row = append(row, formatNumber(v))
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
