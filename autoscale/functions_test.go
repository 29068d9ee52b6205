package autoscale

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestFunctions(t *testing.T) {
	src := mapSource{"$CPUPercent": series(t0, 2, 4, 4, 4, 5, 5, 7, 9)}
	v := "$CPUPercent.GetSample(8)"
	cases := []struct{ expr, want string }{
		{"avg(" + v + ")", "5"},
		{"avg(1, 2, 3)", "2"},
		{"avg(" + v + ", 14)", "6"}, // "avg(v, 7) is equivalent to avg(1,2,3,7)"
		{"len(" + v + ")", "8"},
		{"len(" + v + ", 1, 2)", "10"},
		{"len()", "0"},
		{"lg(8)", "3"},
		{"lg(" + v + ")", "[1,2,2,2,2.321928094887362,2.321928094887362,2.807354922057604,3.1699250014423126]"},
		{"ln(1)", "0"},
		{"ln(1, 1)", "[0,0]"},
		{"log(1000)", "3"},
		{"log(10, 100)", "[1,2]"},
		{"max(" + v + ")", "9"},
		{"max(" + v + ", 12)", "12"},
		{"min(" + v + ")", "2"},
		{"min(" + v + ", -1)", "-1"},
		{"norm(3, 4)", "5"},
		{"norm()", "0"},
		{"percentile(" + v + ", 50)", "4"},
		{"percentile(" + v + ", 90)", "9"},
		{"percentile(" + v + ", 0)", "2"},
		{"percentile(" + v + ", 100)", "9"},
		{"percentile(7, 30)", "7"},
		{"range(" + v + ")", "7"},
		{"std(" + v + ")", "2.138089935299395"}, // sample (n-1) standard deviation
		{"sum(" + v + ")", "40"},
		{"sum()", "0"},
		{`time("2026-03-01T12:30:00Z")`, "2026-03-01T12:30:00.000Z"},
		{`time("2026-03-01T12:30:00+02:00")`, "2026-03-01T10:30:00.000Z"},
		{`time("2026-03-01")`, "2026-03-01T00:00:00.000Z"},
		{`time("Sun, 01 Mar 2026 12:30:00 GMT")`, "2026-03-01T12:30:00.000Z"},
		{`time()`, "2026-01-05T10:00:00.000Z"},
		{`time("")`, "2026-01-05T10:00:00.000Z"},
		{"val(" + v + ", 0)", "2"},
		{"val(" + v + ", 7)", "9"},
		{"val(" + v + ", 2.9)", "4"},
		{"time().year", "2026"}, {"time().month", "1"}, {"time().day", "5"}, {"time().weekday", "1"},
		{"time().hour", "10"}, {"time().minute", "0"}, {"time().second", "0"},
		{`time("2026-01-04T23:59:58Z").weekday`, "0"}, // Sunday
	}
	for _, c := range cases {
		if got := evalValue(t, "$x = "+c.expr, src).String(); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
}

func TestFunctionErrors(t *testing.T) {
	src := mapSource{"$CPUPercent": series(t0, 1, 2, 3)}
	cases := []struct{ expr, want string }{
		{"avg()", "avg takes 1 or more arguments, got 0"},
		{"avg($CPUPercent.GetSample(0))", "avg: no values"},
		{"max($CPUPercent.GetSample(TimeInterval_Zero))", "max: no values"},
		{"min(time())", "argument 1 is a timestamp"},
		{"range($CPUPercent.GetSample(0))", "range: no values"},
		{"std(4)", "at least two values"},
		{"percentile($CPUPercent.GetSample(3), 101)", "within 0–100"},
		{"percentile($CPUPercent.GetSample(3))", "percentile takes 2 arguments, got 1"},
		{"val($CPUPercent.GetSample(3), 3)", "outside a doubleVec of length 3"},
		{"val($CPUPercent.GetSample(3), -1)", "outside"},
		{"val(3, 0)", "val(v, i) needs (doubleVec, double)"},
		{`time("yesterday")`, "not a W3C-DTF"},
		{"time(5)", "needs a string"},
		{"rand(1)", "rand takes 0 arguments"},
		{"time().minutes", `no member "minutes"`},
		{"(1).hour", "only a timestamp has members"},
	}
	for _, c := range cases {
		_, err := evalAt(t, "$x = "+c.expr, src)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.expr, err, c.want)
		}
	}
}

func TestRandIsSeededAndWithinUnitInterval(t *testing.T) {
	f, err := Parse("$a = rand(); $b = rand();")
	if err != nil {
		t.Fatal(err)
	}
	run := func(seed uint64) (float64, float64) {
		res, err := f.Evaluate(Env{Now: t0, Rand: rand.New(rand.NewPCG(seed, 0))})
		if err != nil {
			t.Fatal(err)
		}
		return res.Variables["$a"].Num, res.Variables["$b"].Num
	}
	a1, b1 := run(7)
	a2, b2 := run(7)
	a3, _ := run(8)
	if a1 != a2 || b1 != b2 {
		t.Errorf("same seed gave %v,%v then %v,%v", a1, b1, a2, b2)
	}
	if a1 == b1 || a1 == a3 {
		t.Errorf("rand() repeats: %v %v %v", a1, b1, a3)
	}
	for _, x := range []float64{a1, b1, a3} {
		if x < 0 || x >= 1 || math.IsNaN(x) {
			t.Errorf("rand() = %v, want within [0, 1)", x)
		}
	}
}

func TestStopEndsEvaluationKeepingEarlierAssignments(t *testing.T) {
	res, err := evalAt(t, `
$TargetDedicatedNodes = 3;
$x = 1 ? stop() : 2;
$TargetDedicatedNodes = 9;`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stopped || *res.TargetDedicatedNodes != 3 {
		t.Fatalf("stopped=%v target=%d, want stopped with target 3", res.Stopped, *res.TargetDedicatedNodes)
	}
	if _, ok := res.Variables["$x"]; ok {
		t.Errorf("$x assigned though stop() ran while computing it")
	}
}
