package autoscale

import (
	"errors"
	"strings"
	"testing"
)

// Every row of the documentation's "Operations" table, by example.
func TestOperatorsFromTheDocumentedTable(t *testing.T) {
	vec := mapSource{"$CPUPercent": series(t0, 1, 2, 3)}
	cases := []struct{ src, want string }{
		// double op double: +, -, *, /
		{"7 + 2", "9"}, {"7 - 2", "5"}, {"7 * 2", "14"}, {"7 / 2", "3.5"},
		// double * timeinterval
		{"3 * TimeInterval_Minute", "3m0s"},
		// doubleVec op double, doubleVec op doubleVec
		{"$CPUPercent.GetSample(3) + 1", "[2,3,4]"},
		{"$CPUPercent.GetSample(3) - 1", "[0,1,2]"},
		{"$CPUPercent.GetSample(3) * 2", "[2,4,6]"},
		{"$CPUPercent.GetSample(3) / 2", "[0.5,1,1.5]"},
		{"$CPUPercent.GetSample(3) + $CPUPercent.GetSample(3)", "[2,4,6]"},
		{"$CPUPercent.GetSample(3) * $CPUPercent.GetSample(3)", "[1,4,9]"},
		{"$CPUPercent.GetSample(3) - $CPUPercent.GetSample(3)", "[0,0,0]"},
		{"$CPUPercent.GetSample(3) / $CPUPercent.GetSample(3)", "[1,1,1]"},
		// timeinterval op double: *, /
		{"TimeInterval_Hour * 2", "2h0m0s"}, {"TimeInterval_Hour / 4", "15m0s"},
		// timeinterval op timeinterval: +, -
		{"TimeInterval_Hour + TimeInterval_Minute", "1h1m0s"},
		{"TimeInterval_Hour - TimeInterval_Minute", "59m0s"},
		// timeinterval + timestamp, timestamp + timeinterval, timestamp - timestamp
		{"TimeInterval_Day + time()", "2026-01-06T10:00:00.000Z"},
		{"time() + (-6 * TimeInterval_Hour)", "2026-01-05T04:00:00.000Z"},
		{`time() - time("2026-01-05T09:00:00Z")`, "1h0m0s"},
		// unary: -double, !double, -timeinterval
		{"-(2)", "-2"}, {"!0", "1"}, {"!5", "0"}, {"-TimeInterval_Second", "-1s"},
		// comparisons of double, string, timestamp, timeinterval
		{"1 < 2", "1"}, {"2 <= 2", "1"}, {"1 == 2", "0"}, {"3 >= 2", "1"}, {"1 > 2", "0"}, {"1 != 2", "1"},
		{`"abc" < "abd"`, "1"}, {`"a" == "a"`, "1"}, {`"b" != "b"`, "0"}, {`"b" >= "a"`, "1"},
		{`time() > time("2026-01-01")`, "1"}, {`time() == time("Mon, 05 Jan 2026 10:00:00 GMT")`, "1"},
		{"TimeInterval_Minute > TimeInterval_Second", "1"}, {"TimeInterval_Minute <= 59 * TimeInterval_Second", "0"},
		// logical
		{"1 && 2", "1"}, {"1 && 0", "0"}, {"0 || 0", "0"}, {"0 || 3", "1"},
		// ternary: nonzero is true
		{"-0.5 ? 1 : 2", "1"}, {"0 ? 1 : 2", "2"},
		// constants
		{"TimeInterval_Zero", "0s"}, {"TimeInterval_100ns", "100ns"}, {"TimeInterval_Microsecond", "1µs"},
		{"TimeInterval_Millisecond", "1ms"}, {"TimeInterval_Week", "168h0m0s"}, {"TimeInterval_Year", "8760h0m0s"},
	}
	for _, c := range cases {
		if got := evalValue(t, "$x = "+c.src, vec).String(); got != c.want {
			t.Errorf("%s = %s, want %s", c.src, got, c.want)
		}
	}
}

// Operand pairs the table does not list are errors, with the operator's
// position.
func TestOperatorsOutsideTheTableFail(t *testing.T) {
	vec := mapSource{"$CPUPercent": series(t0, 1, 2, 3), "$PendingTasks": series(t0, 1, 2)}
	cases := []struct {
		src  string
		col  int
		want string
	}{
		{"$x = 2 - $CPUPercent.GetSample(3)", 8, "double - doubleVec"},
		{"$x = $CPUPercent.GetSample(3) > 1", 31, "reduce the doubleVec first"},
		{"$x = $CPUPercent.GetSample(3) + $PendingTasks.GetSample(2)", 31, "equal lengths"},
		{"$x = time() - TimeInterval_Hour", 13, "timestamp - timeinterval"},
		{"$x = TimeInterval_Hour * TimeInterval_Hour", 24, "timeinterval * timeinterval"},
		{`$x = "a" + "b"`, 10, "string + string"},
		{`$x = 1 < "a"`, 8, "double < string"},
		{"$x = 1 / 0", 8, "division by zero"},
		{"$x = TimeInterval_Hour / 0", 24, "division by zero"},
		{"$x = !TimeInterval_Hour", 6, "operator ! is not defined for timeinterval"},
		{`$x = "a" ? 1 : 2`, 10, "condition of ?: must be a double"},
		{"$x = 1 && TimeInterval_Hour", 8, "double && timeinterval"},
	}
	for _, c := range cases {
		_, err := evalAt(t, c.src, vec)
		var pe *Error
		if !errors.As(err, &pe) || pe.Line != 1 || pe.Col != c.col || !strings.Contains(pe.Msg, c.want) {
			t.Errorf("%s: error %v, want 1:%d containing %q", c.src, err, c.col, c.want)
		}
	}
}

// && and || evaluate both sides: the documentation promises no
// short-circuit, so a failing right side fails the formula.
func TestLogicalOperatorsEvaluateBothSides(t *testing.T) {
	_, err := evalAt(t, "$x = 0 && avg($PendingTasks.GetSample(TimeInterval_Minute))", nil)
	if err == nil || !strings.Contains(err.Error(), "avg: no values") {
		t.Fatalf("error = %v, want avg of an empty window to fail", err)
	}
}
