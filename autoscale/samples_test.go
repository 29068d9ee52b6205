package autoscale

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// tenMinutes holds the last 10 minutes of $CPUPercent at 30-second steps
// except the latest minute: 18 of 20 samples, the documentation's case.
func tenMinutes() mapSource {
	vals := make([]float64, 18)
	for i := range vals {
		vals[i] = float64(i + 1)
	}
	return mapSource{"$CPUPercent": series(t0.Add(-time.Minute), vals...)}
}

func TestGetSampleOverloads(t *testing.T) {
	src := tenMinutes()
	cases := []struct{ expr, want string }{
		// GetSample(count): the most recent samples.
		{"$CPUPercent.GetSample(1)", "[18]"},
		{"$CPUPercent.GetSample(3)", "[16,17,18]"},
		{"len($CPUPercent.GetSample(50))", "18"},
		// GetSample(interval): "would return 20 samples if all samples for
		// the last 10 minutes are present … If the last minute of history
		// was not available, however, only 18 samples would be returned."
		{"len($CPUPercent.GetSample(TimeInterval_Minute * 10))", "18"},
		{"len($CPUPercent.GetSample(TimeInterval_Minute * 10, 80))", "18"},
		// GetSample(start, end): samples between the two look-back points,
		// whichever is written first.
		{"$CPUPercent.GetSample(TimeInterval_Minute * 3, TimeInterval_Minute * 2)", "[15,16]"},
		{"$CPUPercent.GetSample(TimeInterval_Minute * 2, TimeInterval_Minute * 3)", "[15,16]"},
		{"$CPUPercent.GetSample(TimeInterval_Minute * 3, TimeInterval_Minute * 2, 100)", "[15,16]"},
		// timestamps as bounds
		{`$CPUPercent.GetSample(time("2026-01-05T09:57:00Z"))`, "[15,16,17,18]"},
		{`$CPUPercent.GetSample(time("2026-01-05T09:57:00Z"), time("2026-01-05T09:58:00Z"))`, "[15,16]"},
		{`$CPUPercent.GetSample(time() - time("2026-01-05T09:57:00Z"))`, "[15,16,17,18]"},
		// GetSamplePercent
		{"$CPUPercent.GetSamplePercent(TimeInterval_Minute * 10)", "90"},
		{"$CPUPercent.GetSamplePercent(TimeInterval_Minute * 2)", "50"},
		{"$CPUPercent.GetSamplePercent(TimeInterval_Minute * 5, TimeInterval_Minute)", "100"},
		{"$PendingTasks.GetSamplePercent(TimeInterval_Minute * 5)", "0"},
		// the other methods
		{"$CPUPercent.GetSamplePeriod()", "30s"},
		{"$CPUPercent.Count()", "18"},
		{"$CPUPercent.HistoryBeginTime()", "2026-01-05T09:50:30.000Z"},
		// a metric used as a value reads its latest sample
		{"$CPUPercent * 2", "36"},
		// an absent variable has an empty history
		{"len($PendingTasks.GetSample(TimeInterval_Minute * 5))", "0"},
		{"$PendingTasks.Count()", "0"},
	}
	for _, c := range cases {
		if got := evalValue(t, "$x = "+c.expr, src).String(); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
}

// "$CPUPercent.GetSample(TimeInterval_Minute * 10, 95) would fail because
// only 90 percent of the samples are available." The failure is typed, and
// Azure leaves the pool alone: no targets come back.
func TestGetSamplePercentRequirementFailsEvaluation(t *testing.T) {
	res, err := evalAt(t, `$before = 1;
$TargetDedicatedNodes = 5;
$x = avg($CPUPercent.GetSample(TimeInterval_Minute * 10, 95));`, tenMinutes())
	if !errors.Is(err, ErrSamplePercent) {
		t.Fatalf("error = %v, want ErrSamplePercent", err)
	}
	var spe *SamplePercentError
	if !errors.As(err, &spe) || spe.Variable != "$CPUPercent" || spe.Required != 95 || spe.Available != 90 {
		t.Fatalf("SamplePercentError = %+v", spe)
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.Line != 3 || pe.Col != 22 {
		t.Fatalf("error position = %v, want 3:22", err)
	}
	if res.TargetDedicatedNodes != nil {
		t.Errorf("failed evaluation returned target %d; the pool must stay as it is", *res.TargetDedicatedNodes)
	}
	if res.Variables["$before"].Num != 1 {
		t.Errorf("variables set before the failure are lost: %v", res.Variables)
	}
}

func TestSampleMethodErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"$CPUPercent.GetSample()", "GetSample called with ()"},
		{"$CPUPercent.GetSample(1.5)", "whole count"},
		{"$CPUPercent.GetSample(TimeInterval_Minute, 120)", "within 0–100"},
		{`$CPUPercent.GetSample("x")`, "GetSample called with (string)"},
		{"$CPUPercent.GetSamplePercent(TimeInterval_Minute, 50)", "GetSamplePercent called with (timeinterval, double)"},
		{"$CPUPercent.Count(1)", "Count takes no arguments"},
		{"$PendingTasks.HistoryBeginTime()", "has no samples"},
		{"$PendingTasks + 1", "$PendingTasks has no samples"},
		{"$mine.GetSample(1)", "method of the read-only service variables"},
		{"time().GetSample(1)", "method of the read-only service variables"},
	}
	for _, c := range cases {
		_, err := evalAt(t, "$mine = 1; $x = "+c.expr, tenMinutes())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.expr, err, c.want)
		}
	}
}
