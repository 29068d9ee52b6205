package autoscale

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// SamplePeriod is how often Batch records a sample of each service variable:
// "These samples are recorded every 30 seconds by the Batch service"
// (batch-automatic-scaling.md, "Samples").
const SamplePeriod = 30 * time.Second

// Sample is one recorded value of a service variable.
type Sample struct {
	Time  time.Time
	Value float64
}

// SampleSource supplies the sample histories of the read-only service
// variables ($PendingTasks, $CurrentDedicatedNodes, …) as the Batch service
// holds them at evaluation time: only samples already available to the
// formula, oldest first. A source that knows nothing of a variable returns
// nil; the formula then sees an empty history. A CSV trace (Trace.At) and the
// simulator implement it; so can any model that generates samples as it runs.
type SampleSource interface {
	History(variable string) []Sample
}

// sampleMethods are the methods of a service variable
// (batch-automatic-scaling.md, "Obtain sample data").
var sampleMethods = map[string]struct{}{
	"GetSample":        {},
	"GetSamplePeriod":  {},
	"Count":            {},
	"HistoryBeginTime": {},
	"GetSamplePercent": {},
}

func sampleMethodNames() string { return keyList(sampleMethods) }

// window is the span (From, To] a GetSample or GetSamplePercent call covers.
type window struct {
	From, To time.Time
}

// expected is how many samples a full window holds, at least one.
func (w window) expected() float64 {
	n := math.Floor(float64(w.To.Sub(w.From)) / float64(SamplePeriod))
	return math.Max(1, n)
}

// take returns the samples inside the window, oldest first (inferred: the
// documentation does not state the order of the returned vector).
func (w window) take(h []Sample) []float64 {
	var out []float64
	for _, s := range h {
		if s.Time.After(w.From) && !s.Time.After(w.To) {
			out = append(out, s.Value)
		}
	}
	return out
}

// percent is the share of the window's samples that are present, 0–100:
// "percent refers to a comparison between the total possible number of
// samples that are recorded by the Batch service and the number of samples
// that are available to your autoscale formula" (batch-automatic-scaling.md,
// "Sample percentage").
func (w window) percent(n int) float64 {
	return math.Min(100, 100*float64(n)/w.expected())
}

// pointInTime turns a GetSample bound into an instant: a timeinterval looks
// back from now, a timestamp is absolute.
func pointInTime(v Value, now time.Time) (time.Time, bool) {
	switch v.Kind {
	case KindTimeInterval:
		return now.Add(-v.Dur), true
	case KindTimestamp:
		return v.Time, true
	}
	return time.Time{}, false
}

// makeWindow builds the window between two instants in either order. The
// documentation writes the look-back bounds both ways round:
// "GetSample(1 * TimeInterval_Minute, 6 * TimeInterval_Minute)" returns the
// samples between six and one minute ago, while the (timestamp startTime,
// timestamp endTime) form puts the older bound first
// (batch-automatic-scaling.md, "GetSample() and sample ranges"); so order does
// not matter here (inferred).
func makeWindow(a, b time.Time) window {
	if a.After(b) {
		a, b = b, a
	}
	return window{From: a, To: b}
}

// getSample implements the three GetSample overloads
// (batch-automatic-scaling.md, "Obtain sample data"):
//
//	GetSample(double count)                         the last count samples
//	GetSample(startTime [, double samplePercent])   from startTime until now
//	GetSample(startTime, endTime [, double samplePercent])
//
// startTime and endTime are each a timeinterval (looking back from now) or a
// timestamp. When fewer than samplePercent percent of the window's samples
// are present the evaluation fails with a *SamplePercentError.
func getSample(variable string, h []Sample, now time.Time, args []Value) (Value, error) {
	if len(args) == 1 && args[0].Kind == KindDouble {
		n := int(args[0].Num)
		if n < 0 || args[0].Num != math.Trunc(args[0].Num) {
			return Value{}, fmt.Errorf("GetSample(count) needs a whole count of samples, got %s", args[0])
		}
		start := max(0, len(h)-n)
		out := make([]float64, 0, len(h)-start)
		for _, s := range h[start:] {
			out = append(out, s.Value)
		}
		return DoubleVec(out), nil
	}
	w, pct, err := sampleWindow("GetSample", args, now, true)
	if err != nil {
		return Value{}, err
	}
	vals := w.take(h)
	if have := w.percent(len(vals)); pct > 0 && have < pct {
		return Value{}, &SamplePercentError{Variable: variable, Required: pct, Available: have}
	}
	return DoubleVec(vals), nil
}

// getSamplePercent implements GetSamplePercent(startTime [, endTime]). The
// documentation's signature says doubleVec, but its text and every example
// treat the result as one percentage ("pendingTaskSamplePercent < 70"), so it
// is a double here.
func getSamplePercent(h []Sample, now time.Time, args []Value) (Value, error) {
	w, _, err := sampleWindow("GetSamplePercent", args, now, false)
	if err != nil {
		return Value{}, err
	}
	return Double(w.percent(len(w.take(h)))), nil
}

// sampleWindow reads (start [, end] [, percent]) arguments; percent is
// allowed only when withPercent.
func sampleWindow(method string, args []Value, now time.Time, withPercent bool) (window, float64, error) {
	usage := method + "(startTime [, endTime])"
	if withPercent {
		usage = method + "(count) or " + method + "(startTime [, endTime] [, samplePercent])"
	}
	bad := func() (window, float64, error) {
		return window{}, 0, fmt.Errorf("%s called with (%s); use %s where each time is a timeinterval or a timestamp", method, kinds(args), usage)
	}
	if len(args) == 0 || len(args) > 3 {
		return bad()
	}
	start, ok := pointInTime(args[0], now)
	if !ok {
		return bad()
	}
	end := now
	rest := args[1:]
	if len(rest) > 0 {
		if t, ok := pointInTime(rest[0], now); ok {
			end = t
			rest = rest[1:]
		}
	}
	pct := 0.0
	switch {
	case len(rest) == 1 && withPercent && rest[0].Kind == KindDouble:
		pct = rest[0].Num
		if pct < 0 || pct > 100 {
			return window{}, 0, fmt.Errorf("%s samplePercent must be within 0–100, got %s", method, rest[0])
		}
	case len(rest) != 0:
		return bad()
	}
	return makeWindow(start, end), pct, nil
}

func kinds(args []Value) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Kind.String()
	}
	return strings.Join(parts, ", ")
}

// callSampleMethod runs one of the sampleMethods on variable's history.
func callSampleMethod(variable, method string, h []Sample, now time.Time, args []Value) (Value, error) {
	noArgs := func() error {
		if len(args) != 0 {
			return fmt.Errorf("%s takes no arguments", method)
		}
		return nil
	}
	switch method {
	case "GetSample":
		return getSample(variable, h, now, args)
	case "GetSamplePercent":
		return getSamplePercent(h, now, args)
	case "GetSamplePeriod":
		// "Returns the period of samples that were taken in a historical
		// sample data set": the 30-second recording period.
		return TimeInterval(SamplePeriod), noArgs()
	case "Count":
		// "Returns the total number of samples in the metric history."
		return Double(float64(len(h))), noArgs()
	case "HistoryBeginTime":
		if err := noArgs(); err != nil {
			return Value{}, err
		}
		if len(h) == 0 {
			return Value{}, fmt.Errorf("%s has no samples, so no HistoryBeginTime", variable)
		}
		oldest := slices.MinFunc(h, func(a, b Sample) int { return a.Time.Compare(b.Time) })
		return Timestamp(oldest.Time), nil
	}
	return Value{}, fmt.Errorf("unknown method %q", method)
}
