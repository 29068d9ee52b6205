package sim

import (
	"os"
	"testing"
)

func fixtureRows(t *testing.T) []TraceRow { return traceFile(t, "testdata/conv_head300.csv") }

// traceFile reads the trace at path.
func traceFile(t *testing.T, path string) []TraceRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := ReadTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
