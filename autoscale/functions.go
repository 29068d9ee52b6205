package autoscale

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// function is a built-in function. Arguments arrive evaluated; minArgs and
// maxArgs bound their number (maxArgs < 0: any number).
type function struct {
	minArgs, maxArgs int
	call             func(ev *evaluator, args []Value) (Value, error)
}

// functions are the built-ins of batch-automatic-scaling.md, "Functions".
// Those that take a doubleVecList accept "any combination of double and
// doubleVec", flattened into one doubleVec before evaluation.
var functions map[string]function

func init() {
	functions = map[string]function{
		"avg": listFunc(1, func(v []float64) (float64, error) {
			if len(v) == 0 {
				return 0, errEmpty
			}
			return sum(v) / float64(len(v)), nil
		}),
		"len": listFunc(0, func(v []float64) (float64, error) { return float64(len(v)), nil }),
		"max": listFunc(1, func(v []float64) (float64, error) {
			if len(v) == 0 {
				return 0, errEmpty
			}
			return slices.Max(v), nil
		}),
		"min": listFunc(1, func(v []float64) (float64, error) {
			if len(v) == 0 {
				return 0, errEmpty
			}
			return slices.Min(v), nil
		}),
		"norm": listFunc(0, func(v []float64) (float64, error) {
			sq := 0.0
			for _, x := range v {
				sq += x * x
			}
			return math.Sqrt(sq), nil
		}),
		"range": listFunc(1, func(v []float64) (float64, error) {
			if len(v) == 0 {
				return 0, errEmpty
			}
			return slices.Max(v) - slices.Min(v), nil
		}),
		// "Returns the sample standard deviation": divides by n-1, so it
		// needs two values.
		"std": listFunc(1, func(v []float64) (float64, error) {
			if len(v) < 2 {
				return 0, errors.New("the sample standard deviation needs at least two values")
			}
			mean := sum(v) / float64(len(v))
			ss := 0.0
			for _, x := range v {
				ss += (x - mean) * (x - mean)
			}
			return math.Sqrt(ss / float64(len(v)-1)), nil
		}),
		"sum": listFunc(0, func(v []float64) (float64, error) { return sum(v), nil }),
		"lg":  logFunc(math.Log2),
		"ln":  logFunc(math.Log),
		"log": logFunc(math.Log10),
		"percentile": {2, 2, func(_ *evaluator, args []Value) (Value, error) {
			v, err := flatten(args[:1])
			if err != nil {
				return Value{}, err
			}
			if args[1].Kind != KindDouble {
				return Value{}, fmt.Errorf("percentile(v, p) needs p as a double, got %s", args[1].Kind)
			}
			return percentile(v, args[1].Num)
		}},
		"rand": {0, 0, func(ev *evaluator, _ []Value) (Value, error) {
			return Double(ev.rand.Float64()), nil
		}},
		"stop": {0, 0, func(*evaluator, []Value) (Value, error) {
			return Value{}, errStop
		}},
		"time": {0, 1, func(ev *evaluator, args []Value) (Value, error) {
			if len(args) == 0 || (args[0].Kind == KindString && args[0].Str == "") {
				return Timestamp(ev.env.Now), nil
			}
			if args[0].Kind != KindString {
				return Value{}, fmt.Errorf("time(dateTime) needs a string, got %s", args[0].Kind)
			}
			t, err := parseDateTime(args[0].Str)
			if err != nil {
				return Value{}, err
			}
			return Timestamp(t), nil
		}},
		"val": {2, 2, func(_ *evaluator, args []Value) (Value, error) {
			if args[0].Kind != KindDoubleVec || args[1].Kind != KindDouble {
				return Value{}, fmt.Errorf("val(v, i) needs (doubleVec, double), got (%s)", kinds(args))
			}
			i := math.Trunc(args[1].Num)
			if i < 0 || i >= float64(len(args[0].Vec)) {
				return Value{}, fmt.Errorf("val index %s is outside a doubleVec of length %d (indexes start at zero)", args[1], len(args[0].Vec))
			}
			return Double(args[0].Vec[int(i)]), nil
		}},
	}
}

func functionNames() string { return keyList(functions) }

var errEmpty = errors.New("no values: the doubleVecList is empty (a GetSample window with no samples?)")

// errStop ends an evaluation early; see stop() in eval.go.
var errStop = errors.New("stop()")

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// listFunc wraps a doubleVecList → double function.
func listFunc(minArgs int, f func([]float64) (float64, error)) function {
	return function{minArgs, -1, func(_ *evaluator, args []Value) (Value, error) {
		v, err := flatten(args)
		if err != nil {
			return Value{}, err
		}
		x, err := f(v)
		return Double(x), err
	}}
}

// logFunc: "lg(double) … Returns the log base 2 of the double. lg(doubleVecList)
// … Returns the component-wise log base 2 of the doubleVecList. A vec(double)
// must be explicitly passed for the parameter. Otherwise, the double
// lg(double) version is assumed." One double gives a double; anything else
// gives a doubleVec.
func logFunc(f func(float64) float64) function {
	return function{1, -1, func(_ *evaluator, args []Value) (Value, error) {
		if len(args) == 1 && args[0].Kind == KindDouble {
			return Double(f(args[0].Num)), nil
		}
		v, err := flatten(args)
		if err != nil {
			return Value{}, err
		}
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = f(x)
		}
		return DoubleVec(out), nil
	}}
}

// flatten turns a doubleVecList into one doubleVec: "if v = [1,2,3], then
// calling avg(v) is equivalent to calling avg(1,2,3). Calling avg(v, 7) is
// equivalent to calling avg(1,2,3,7)."
func flatten(args []Value) ([]float64, error) {
	var out []float64
	for i, a := range args {
		switch a.Kind {
		case KindDouble:
			out = append(out, a.Num)
		case KindDoubleVec:
			out = append(out, a.Vec...)
		default:
			return nil, fmt.Errorf("argument %d is a %s; a doubleVecList holds only double and doubleVec", i+1, a.Kind)
		}
	}
	return out, nil
}

// percentile returns "the percentile element of the vector v": an element of
// v, so the nearest-rank method (inferred): the smallest element with at
// least p percent of the values at or below it.
func percentile(v []float64, p float64) (Value, error) {
	if len(v) == 0 {
		return Value{}, errEmpty
	}
	if p < 0 || p > 100 {
		return Value{}, fmt.Errorf("percentile p must be within 0–100, got %s", formatNumber(p))
	}
	s := slices.Clone(v)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return Double(s[max(0, rank-1)]), nil
}

// dateTimeLayouts are the forms time(dateTime) reads: "Supported dateTime
// formats are W3C-DTF and RFC 1123" (batch-automatic-scaling.md, "Functions").
var dateTimeLayouts = []string{
	time.RFC1123, time.RFC1123Z,
	"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04Z07:00",
	"2006-01-02", "2006-01", "2006",
}

func parseDateTime(s string) (time.Time, error) {
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time(%q): not a W3C-DTF (e.g. 2026-01-05T08:00:00Z) or RFC 1123 (e.g. Mon, 05 Jan 2026 08:00:00 GMT) date-time", s)
}

// timestampMember reads year, month, day, weekday, hour, minute or second of
// a timestamp (batch-automatic-scaling.md, "Types"). weekday counts from
// Sunday = 0, so Monday is 1 as documented (inferred from .NET's DayOfWeek).
func timestampMember(t time.Time, name string) (Value, error) {
	switch name {
	case "year":
		return Double(float64(t.Year())), nil
	case "month":
		return Double(float64(t.Month())), nil
	case "day":
		return Double(float64(t.Day())), nil
	case "weekday":
		return Double(float64(t.Weekday())), nil
	case "hour":
		return Double(float64(t.Hour())), nil
	case "minute":
		return Double(float64(t.Minute())), nil
	case "second":
		return Double(float64(t.Second())), nil
	}
	return Value{}, fmt.Errorf("a timestamp has no member %q (members: %s)", name, strings.Join([]string{"year", "month", "day", "weekday", "hour", "minute", "second"}, ", "))
}
