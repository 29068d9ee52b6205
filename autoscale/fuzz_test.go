package autoscale

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no input makes Parse or Evaluate panic, and that
// every parse error points inside the text. The seed corpus (the
// documentation's formulas, the built formula and broken variants) runs in
// every `go test`.
func FuzzParse(f *testing.F) {
	built, _ := Build(DefaultOptions())
	for _, seed := range []string{
		docPendingTasks, docPreempted, docExample2, docExample3, docExample4, docCPUFormula, recipeFormula, built,
		"", ";", "$a = 1", "$a = (", "$a = \"x", "$a = 1 ? 2 : ", "// only a comment",
		"$x = time(\"Mon, 05 Jan 2026 08:00:00 GMT\").weekday;",
		"$x = $PendingTasks.GetSample(TimeInterval_Minute * 5, 70);",
		"$x = val(lg($CPUPercent.GetSample(3), 2), 1); $y = stop();",
		"$a = 1e400; $b = -$a; $TargetDedicatedNodes = $b",
		"$a = é\x00\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		formula, err := Parse(text)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %v is not an *Error", err)
			}
			lines := strings.Count(text, "\n") + 1
			if pe.Line < 1 || pe.Line > lines || pe.Col < 1 {
				t.Fatalf("error position %d:%d outside a %d-line text: %v", pe.Line, pe.Col, lines, err)
			}
			if pe.Line <= lines && utf8.ValidString(text) && len(text) <= MaxFormulaBytes {
				line := strings.Split(text, "\n")[pe.Line-1]
				if pe.Col > utf8.RuneCountInString(line)+1 {
					t.Fatalf("error column %d beyond line %q: %v", pe.Col, line, err)
				}
			}
			return
		}
		src := mapSource{VarPendingTasks: series(t0, 1, 2, 3), "$CPUPercent": series(t0, 0.5)}
		if _, err := formula.Evaluate(Env{Now: t0, Samples: src}); err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Evaluate error %v is not an *Error", err)
			}
		}
	})
}
