package autoscale

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseStatementsAndComments(t *testing.T) {
	f, err := Parse(`// leading comment
$a = 1; // trailing comment
b = $a + 2 * 3;;
$c = (b > 6) ? TimeInterval_Minute * 5 : TimeInterval_Zero
`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range f.Stmts {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "$a,b,$c" {
		t.Fatalf("statements = %s, want $a,b,$c", got)
	}
	if p := f.Stmts[2].Pos; p != (Pos{Line: 4, Col: 1}) {
		t.Errorf("third statement at %v, want 4:1", p)
	}
}

func TestParsePrecedence(t *testing.T) {
	cases := map[string]float64{
		"1 + 2 * 3":            7,
		"(1 + 2) * 3":          9,
		"10 - 4 - 3":           3,
		"12 / 3 / 2":           2,
		"-2 * 3":               -6,
		"!0 + 1":               2,
		"1 < 2 == 1":           1,
		"0 || 1 && 0":          0,
		"1 || 0 && 0":          1,
		"1 ? 0 ? 5 : 6 : 7":    6,
		"0 ? 1 : 0 ? 2 : 3":    3,
		"2 + 3 > 4 ? 10 : 20":  10,
		"1.5e1 + .5":           15.5,
		"- -3":                 3,
		"4 >= 4 && 3 <= 2 + 1": 1,
	}
	for src, want := range cases {
		got := evalDouble(t, "$x = "+src, nil)
		if got != want {
			t.Errorf("%s = %v, want %v", src, got, want)
		}
	}
}

func TestParseErrorsCarryPositions(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"$a = ;", 1, 6, "expected a value"},
		{"$a = 1\n$b = 2", 2, 1, "expected ';' between statements"},
		{"$a = 1;\n  $b = foo(1)", 2, 8, `unknown function "foo"`},
		{"$a = $PendingTasks.GetSampel(1)", 1, 20, `unknown method "GetSampel"`},
		{"$PendingTasks = 1", 1, 1, "read-only"},
		{"TimeInterval_Second = 2", 1, 1, "constant"},
		{`$a = "abc`, 1, 6, "unterminated string"},
		{"$a = 1 # 2", 1, 8, "unexpected character '#'"},
		{"$a = (1 + 2", 1, 12, "expected ')'"},
		{"$a = 1 ? 2", 1, 11, "expected ':'"},
		{"/* block */ $a = 1", 1, 1, "expected a variable name"},
		{"$a = max(1,)", 1, 12, "expected a value"},
		{"$a = é é", 1, 8, "expected ';'"},
		{"$ = 1", 1, 1, "'$' must be followed"},
		{"$a == 1", 1, 4, "expected '='"},
		{"$a = time().", 1, 13, "method or member name"},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error = %v, want *Error", c.src, err)
			continue
		}
		if pe.Line != c.line || pe.Col != c.col || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("Parse(%q) = %d:%d %q, want %d:%d containing %q", c.src, pe.Line, pe.Col, pe.Msg, c.line, c.col, c.msg)
		}
	}
}

func TestParseLimits(t *testing.T) {
	var b strings.Builder
	for i := range MaxStatements {
		fmt.Fprintf(&b, "$v%d = %d;\n", i, i)
	}
	if _, err := Parse(b.String()); err != nil {
		t.Fatalf("%d statements rejected: %v", MaxStatements, err)
	}
	b.WriteString("$over = 1;")
	_, err := Parse(b.String())
	var pe *Error
	if !errors.As(err, &pe) || pe.Line != MaxStatements+1 || !strings.Contains(pe.Msg, "at most 100") {
		t.Fatalf("101 statements: %v, want an error at line 101", err)
	}

	long := "$a = 1;" + strings.Repeat(" ", MaxFormulaBytes-len("$a = 1;"))
	if _, err := Parse(long); err != nil {
		t.Fatalf("formula of exactly 8 KB rejected: %v", err)
	}
	if _, err := Parse(long + " "); err == nil || !strings.Contains(err.Error(), "at most 8192") {
		t.Fatalf("formula over 8 KB: %v, want a size error", err)
	}
}

func TestParseRejectsDeepNesting(t *testing.T) {
	src := "$a = " + strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500)
	if _, err := Parse(src); err == nil || !strings.Contains(err.Error(), "nests more than") {
		t.Fatalf("deep nesting: %v, want a nesting error", err)
	}
}
