package sim

import (
	"os"
	"testing"
)

func fixtureRows(t *testing.T) []TraceRow {
	t.Helper()
	f, err := os.Open("testdata/conv_head300.csv")
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
