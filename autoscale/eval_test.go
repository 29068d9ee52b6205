package autoscale

import (
	"errors"
	"strings"
	"testing"
)

func TestSettableVariables(t *testing.T) {
	res, err := evalAt(t, "$x = 1;", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.TargetDedicatedNodes != nil || res.TargetLowPriorityNodes != nil {
		t.Errorf("unset targets came back set: %+v", res)
	}
	if res.NodeDeallocationOption != "requeue" {
		t.Errorf("default NodeDeallocationOption = %q, want requeue", res.NodeDeallocationOption)
	}

	res, err = evalAt(t, `$TargetDedicatedNodes = 2.9; $TargetLowPriorityNodes = 0.2; $NodeDeallocationOption = retaineddata;`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *res.TargetDedicatedNodes != 2 || *res.TargetLowPriorityNodes != 0 || res.NodeDeallocationOption != "retaineddata" {
		t.Errorf("got %d, %d, %s; want fractions truncated: 2, 0, retaineddata", *res.TargetDedicatedNodes, *res.TargetLowPriorityNodes, res.NodeDeallocationOption)
	}
}

// "If both the fully named variable and its alias are set by the formula,
// the value assigned to the fully named variable will take precedence."
func TestAliasesYieldToFullNames(t *testing.T) {
	for _, src := range []string{
		"$TargetDedicatedNodes = 4; $TargetDedicated = 9; $TargetLowPriorityNodes = 1; $TargetLowPriority = 7;",
		"$TargetDedicated = 9; $TargetDedicatedNodes = 4; $TargetLowPriority = 7; $TargetLowPriorityNodes = 1;",
	} {
		res, err := evalAt(t, src, nil)
		if err != nil {
			t.Fatal(err)
		}
		if *res.TargetDedicatedNodes != 4 || *res.TargetLowPriorityNodes != 1 {
			t.Errorf("%s → %d, %d; want 4, 1", src, *res.TargetDedicatedNodes, *res.TargetLowPriorityNodes)
		}
	}
	res, err := evalAt(t, "$TargetDedicated = 3;", nil)
	if err != nil || *res.TargetDedicatedNodes != 3 {
		t.Fatalf("alias alone: %v %v", res, err)
	}
}

func TestReadingTargetsBeforeSettingThem(t *testing.T) {
	f, err := Parse("$x = $TargetDedicatedNodes + $TargetLowPriority; $y = $NodeDeallocationOption;")
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Evaluate(Env{Now: t0, TargetDedicatedNodes: 6, TargetLowPriorityNodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Variables["$x"].Num != 8 || res.Variables["$y"].Str != "requeue" {
		t.Errorf("variables = %v, want $x=8 $y=requeue", res.Variables)
	}
}

func TestAssignmentErrors(t *testing.T) {
	src := mapSource{VarPendingTasks: series(t0, 1, 2)}
	cases := []struct {
		src       string
		line, col int
		want      string
	}{
		{"$TargetDedicatedNodes = $PendingTasks.GetSample(2);", 1, 1, "must be a double, got a doubleVec"},
		{"$a = 1;\n$TargetLowPriorityNodes = -1;", 2, 1, "zero or more"},
		{"$TargetDedicatedNodes = ln(0);", 1, 1, "finite"},
		{"$NodeDeallocationOption = \"drain\";", 1, 1, "must be one of [requeue terminate taskcompletion retaineddata]"},
		{"$NodeDeallocationOption = 1;", 1, 1, "must be one of"},
		{"$a = 1;\n$b = $c + 1;", 2, 6, "variable $c is used before it is assigned"},
		{"a = 1; $b = $a;", 1, 13, "$a is used before"}, // "$a" and "a" are different variables
	}
	for _, c := range cases {
		_, err := evalAt(t, c.src, src)
		var pe *Error
		if !errors.As(err, &pe) || pe.Line != c.line || pe.Col != c.col || !strings.Contains(pe.Msg, c.want) {
			t.Errorf("%q: error %v, want %d:%d containing %q", c.src, err, c.line, c.col, c.want)
		}
	}
	if _, err := evalAt(t, `$NodeDeallocationOption = "terminate";`, nil); err != nil {
		t.Errorf("a quoted option is a string too: %v", err)
	}
}

func TestEvaluateIsRepeatable(t *testing.T) {
	f, err := Parse("$x = $TargetDedicatedNodes + 1; $TargetDedicatedNodes = $x;")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		res, err := f.Evaluate(Env{Now: t0, TargetDedicatedNodes: 1})
		if err != nil || *res.TargetDedicatedNodes != 2 {
			t.Fatalf("evaluation carried state over: %v %v", res, err)
		}
	}
}
