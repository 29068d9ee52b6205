package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// TraceRow is one request of an Azure LLM inference trace.
type TraceRow struct {
	Time            time.Time
	ContextTokens   int
	GeneratedTokens int
}

// traceTimeLayouts are the timestamp forms accepted: Azure's 2023 traces
// write "2023-11-16 18:15:46.6805900" (seven fractional digits, UTC without
// an offset), its 2024 week-long traces "2024-05-10 00:00:00.009930+00:00"
// (six, with an offset, and none on a whole second); RFC 3339 is accepted
// for hand-written fixtures.
var traceTimeLayouts = []string{"2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", time.RFC3339Nano}

// azureTimeLayout is how the Azure trace writes a timestamp (WriteTrace).
const azureTimeLayout = "2006-01-02 15:04:05.0000000"

// ReadTrace reads a CSV trace with a header naming TIMESTAMP, ContextTokens
// and GeneratedTokens (any order, any case; other columns are ignored). Rows
// must be in time order; errors name the line.
func ReadTrace(r io.Reader) ([]TraceRow, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trace: empty file, expected a header TIMESTAMP,ContextTokens,GeneratedTokens")
	}
	if err != nil {
		return nil, fmt.Errorf("trace: read header: %w", err)
	}
	col := map[string]int{"timestamp": -1, "contexttokens": -1, "generatedtokens": -1}
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, ok := col[k]; ok {
			col[k] = i
		}
	}
	for _, k := range []string{"timestamp", "contexttokens", "generatedtokens"} {
		if col[k] < 0 {
			return nil, fmt.Errorf("trace: header %q lacks column %s; expected TIMESTAMP,ContextTokens,GeneratedTokens", strings.Join(header, ","), k)
		}
	}
	var rows []TraceRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("trace: line %d: %w", line, err)
		}
		field := func(k string) string {
			if i := col[k]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		t, err := parseTraceTime(field("timestamp"))
		if err != nil {
			return nil, fmt.Errorf("trace: line %d: %w", line, err)
		}
		ctx, err1 := strconv.Atoi(field("contexttokens"))
		gen, err2 := strconv.Atoi(field("generatedtokens"))
		if err1 != nil || err2 != nil || ctx < 0 || gen < 0 {
			return nil, fmt.Errorf("trace: line %d: token counts must be whole numbers ≥ 0, got %q and %q", line, field("contexttokens"), field("generatedtokens"))
		}
		if n := len(rows); n > 0 && t.Before(rows[n-1].Time) {
			return nil, fmt.Errorf("trace: line %d: timestamp %s is earlier than the previous row's; sort the trace by time", line, field("timestamp"))
		}
		rows = append(rows, TraceRow{Time: t, ContextTokens: ctx, GeneratedTokens: gen})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("trace: no requests after the header")
	}
	return rows, nil
}

func parseTraceTime(s string) (time.Time, error) {
	for _, layout := range traceTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is none of \"2006-01-02 15:04:05.0000000\", \"2006-01-02 15:04:05.000000+00:00\" (the Azure traces) or RFC 3339", s)
}
