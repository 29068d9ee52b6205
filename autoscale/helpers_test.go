package autoscale

import (
	"testing"
	"time"
)

// t0 is the evaluation time the unit tests use: Monday 2026-01-05 10:00 UTC.
var t0 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// mapSource is a SampleSource from literal histories.
type mapSource map[string][]Sample

func (m mapSource) History(v string) []Sample { return m[v] }

// series builds a history of values one SamplePeriod apart ending at end.
func series(end time.Time, values ...float64) []Sample {
	out := make([]Sample, len(values))
	for i, v := range values {
		out[i] = Sample{Time: end.Add(-time.Duration(len(values)-1-i) * SamplePeriod), Value: v}
	}
	return out
}

// evalAt parses and evaluates src at t0 against src's histories.
func evalAt(t *testing.T, src string, samples SampleSource) (*Result, error) {
	t.Helper()
	f, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return f.Evaluate(Env{Now: t0, Samples: samples})
}

// evalValue evaluates src and returns user variable $x.
func evalValue(t *testing.T, src string, samples SampleSource) Value {
	t.Helper()
	res, err := evalAt(t, src, samples)
	if err != nil {
		t.Fatalf("Evaluate(%q): %v", src, err)
	}
	v, ok := res.Variables["$x"]
	if !ok {
		t.Fatalf("Evaluate(%q): $x not set", src)
	}
	return v
}

func evalDouble(t *testing.T, src string, samples SampleSource) float64 {
	t.Helper()
	v := evalValue(t, src, samples)
	if v.Kind != KindDouble {
		t.Fatalf("%q: $x is a %s (%s), want double", src, v.Kind, v)
	}
	return v.Num
}
