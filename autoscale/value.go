package autoscale

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind is a formula value's type (batch-automatic-scaling.md, "Types").
// doubleVecList exists only as a function's argument list and is flattened
// into a doubleVec when a function is called, so it has no Kind.
type Kind int

const (
	KindDouble Kind = iota
	KindDoubleVec
	KindString
	KindTimestamp
	KindTimeInterval
)

func (k Kind) String() string {
	switch k {
	case KindDouble:
		return "double"
	case KindDoubleVec:
		return "doubleVec"
	case KindString:
		return "string"
	case KindTimestamp:
		return "timestamp"
	case KindTimeInterval:
		return "timeinterval"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one formula value; only the field for its Kind is meaningful.
type Value struct {
	Kind Kind
	Num  float64
	Vec  []float64
	Str  string
	Time time.Time
	Dur  time.Duration
}

// Double makes a double value.
func Double(x float64) Value { return Value{Kind: KindDouble, Num: x} }

// DoubleVec makes a doubleVec value.
func DoubleVec(xs []float64) Value { return Value{Kind: KindDoubleVec, Vec: xs} }

// String makes a string value.
func String(s string) Value { return Value{Kind: KindString, Str: s} }

// Timestamp makes a timestamp value (in UTC).
func Timestamp(t time.Time) Value { return Value{Kind: KindTimestamp, Time: t.UTC()} }

// TimeInterval makes a timeinterval value.
func TimeInterval(d time.Duration) Value { return Value{Kind: KindTimeInterval, Dur: d} }

func boolValue(b bool) Value {
	if b {
		return Double(1)
	}
	return Double(0)
}

// String renders the value the way Batch reports results, e.g.
// "$curTime=2016-10-13T19:18:47.805Z" or "$v=[1,2,3]".
func (v Value) String() string {
	switch v.Kind {
	case KindDouble:
		return formatNumber(v.Num)
	case KindDoubleVec:
		parts := make([]string, len(v.Vec))
		for i, x := range v.Vec {
			parts[i] = formatNumber(x)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case KindString:
		return v.Str
	case KindTimestamp:
		return v.Time.Format("2006-01-02T15:04:05.000Z")
	case KindTimeInterval:
		return v.Dur.String()
	}
	return fmt.Sprintf("<%v>", v.Kind)
}

func formatNumber(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// MarshalJSON writes doubles as numbers, doubleVecs as arrays and the other
// kinds as their String form. NaN and infinities, which JSON cannot carry,
// are written as strings.
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.Kind {
	case KindDouble:
		return marshalNumber(v.Num), nil
	case KindDoubleVec:
		parts := make([]string, len(v.Vec))
		for i, x := range v.Vec {
			parts[i] = string(marshalNumber(x))
		}
		return []byte("[" + strings.Join(parts, ",") + "]"), nil
	}
	return json.Marshal(v.String())
}

func marshalNumber(x float64) []byte {
	b, err := json.Marshal(x)
	if err != nil { // NaN or ±Inf
		return []byte(strconv.Quote(formatNumber(x)))
	}
	return b
}
