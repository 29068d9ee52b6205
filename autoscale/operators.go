package autoscale

import (
	"fmt"
	"time"
)

// The operations follow the documentation's table (batch-automatic-scaling.md,
// "Operations") and nothing more: an operand pair it does not list, such as
// double - doubleVec or timestamp - timeinterval, is an error here, because
// the table is all Batch promises to accept. Division by zero is an error
// rather than an infinity (inferred), so it is reported where it happens.

func binaryOp(op string, a, b Value) (Value, error) {
	switch op {
	case "+", "-", "*", "/":
		return arith(op, a, b)
	case "<", "<=", "==", ">=", ">", "!=":
		return compare(op, a, b)
	case "&&", "||":
		if a.Kind != KindDouble || b.Kind != KindDouble {
			return Value{}, opError(op, a, b)
		}
		if op == "&&" {
			return boolValue(a.Num != 0 && b.Num != 0), nil
		}
		return boolValue(a.Num != 0 || b.Num != 0), nil
	}
	return Value{}, fmt.Errorf("unknown operator %q", op)
}

func opError(op string, a, b Value) error {
	return fmt.Errorf("operator %s is not defined for %s %s %s", op, a.Kind, op, b.Kind)
}

func arith(op string, a, b Value) (Value, error) {
	switch {
	case a.Kind == KindDouble && b.Kind == KindDouble:
		x, err := arithDouble(op, a.Num, b.Num)
		return Double(x), err
	case a.Kind == KindDoubleVec && b.Kind == KindDouble:
		out := make([]float64, len(a.Vec))
		for i, x := range a.Vec {
			y, err := arithDouble(op, x, b.Num)
			if err != nil {
				return Value{}, err
			}
			out[i] = y
		}
		return DoubleVec(out), nil
	case a.Kind == KindDoubleVec && b.Kind == KindDoubleVec:
		if len(a.Vec) != len(b.Vec) {
			return Value{}, fmt.Errorf("doubleVec %s doubleVec needs equal lengths, got %d and %d", op, len(a.Vec), len(b.Vec))
		}
		out := make([]float64, len(a.Vec))
		for i := range a.Vec {
			y, err := arithDouble(op, a.Vec[i], b.Vec[i])
			if err != nil {
				return Value{}, err
			}
			out[i] = y
		}
		return DoubleVec(out), nil
	case op == "*" && a.Kind == KindDouble && b.Kind == KindTimeInterval:
		return TimeInterval(scale(b.Dur, a.Num)), nil
	case (op == "*" || op == "/") && a.Kind == KindTimeInterval && b.Kind == KindDouble:
		if op == "/" {
			if b.Num == 0 {
				return Value{}, fmt.Errorf("division by zero")
			}
			return TimeInterval(scale(a.Dur, 1/b.Num)), nil
		}
		return TimeInterval(scale(a.Dur, b.Num)), nil
	case (op == "+" || op == "-") && a.Kind == KindTimeInterval && b.Kind == KindTimeInterval:
		if op == "-" {
			return TimeInterval(a.Dur - b.Dur), nil
		}
		return TimeInterval(a.Dur + b.Dur), nil
	case op == "+" && a.Kind == KindTimeInterval && b.Kind == KindTimestamp:
		return Timestamp(b.Time.Add(a.Dur)), nil
	case op == "+" && a.Kind == KindTimestamp && b.Kind == KindTimeInterval:
		return Timestamp(a.Time.Add(b.Dur)), nil
	case op == "-" && a.Kind == KindTimestamp && b.Kind == KindTimestamp:
		return TimeInterval(a.Time.Sub(b.Time)), nil
	}
	return Value{}, opError(op, a, b)
}

func scale(d time.Duration, x float64) time.Duration { return time.Duration(float64(d) * x) }

func arithDouble(op string, x, y float64) (float64, error) {
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	}
	if y == 0 {
		return 0, fmt.Errorf("division by zero")
	}
	return x / y, nil
}

// compare yields 1 or 0 as a double, for the pairs the table lists.
func compare(op string, a, b Value) (Value, error) {
	if a.Kind == KindDoubleVec || b.Kind == KindDoubleVec {
		// The table does not compare vectors; a common slip is
		// "$PendingTasks.GetSample(1) > 0".
		return Value{}, fmt.Errorf("operator %s is not defined for %s %s %s; reduce the doubleVec first, e.g. with max(), avg() or val()", op, a.Kind, op, b.Kind)
	}
	if a.Kind != b.Kind {
		return Value{}, opError(op, a, b)
	}
	var c int
	switch a.Kind {
	case KindDouble:
		c = cmp3(a.Num < b.Num, a.Num > b.Num)
	case KindString:
		c = cmp3(a.Str < b.Str, a.Str > b.Str)
	case KindTimestamp:
		c = a.Time.Compare(b.Time)
	case KindTimeInterval:
		c = cmp3(a.Dur < b.Dur, a.Dur > b.Dur)
	}
	switch op {
	case "<":
		return boolValue(c < 0), nil
	case "<=":
		return boolValue(c <= 0), nil
	case "==":
		return boolValue(c == 0), nil
	case ">=":
		return boolValue(c >= 0), nil
	case ">":
		return boolValue(c > 0), nil
	}
	return boolValue(c != 0), nil
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// unaryOp: -double, !double and -timeinterval.
func unaryOp(op string, a Value) (Value, error) {
	switch {
	case op == "-" && a.Kind == KindDouble:
		return Double(-a.Num), nil
	case op == "!" && a.Kind == KindDouble:
		return boolValue(a.Num == 0), nil
	case op == "-" && a.Kind == KindTimeInterval:
		return TimeInterval(-a.Dur), nil
	}
	return Value{}, fmt.Errorf("operator %s is not defined for %s", op, a.Kind)
}
