package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
)

func runGpuorch(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = dispatch(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// builtFormulaFile writes the default built formula to a temporary file.
func builtFormulaFile(t *testing.T) string {
	t.Helper()
	out, stderr, code := runGpuorch(t, "formula", "build")
	if code != 0 {
		t.Fatalf("formula build: exit %d: %s", code, stderr)
	}
	path := filepath.Join(t.TempDir(), "default.formula")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFormulaBuild(t *testing.T) {
	out, _, code := runGpuorch(t, "formula", "build")
	want, _ := autoscale.Build(autoscale.DefaultOptions())
	if code != 0 || out != want {
		t.Fatalf("formula build: exit %d\n%s\nwant the default formula\n%s", code, out, want)
	}
	out, _, code = runGpuorch(t, "formula", "build", "-spot=false", "-max-nodes", "8", "-dedicated-floor", "1", "-tasks-per-node", "2", "-node-deallocation", "requeue")
	for _, s := range []string{"$TargetDedicatedNodes = max(1, $needed);", "$TargetLowPriorityNodes = 0;", "min(8, ($pending + 1) / 2)", "$NodeDeallocationOption = requeue;"} {
		if code != 0 || !strings.Contains(out, s) {
			t.Errorf("formula build with options: exit %d, lacks %q:\n%s", code, s, out)
		}
	}
	_, stderr, code := runGpuorch(t, "formula", "build", "-node-deallocation", "drain")
	if code != 2 || !strings.Contains(stderr, "Options.NodeDeallocation must be one of requeue, terminate, taskcompletion, retaineddata") {
		t.Errorf("bad option: exit %d, %q", code, stderr)
	}
}

func TestFormulaEvalJSON(t *testing.T) {
	// The recipe's formula at the end of the sparse trace: pending samples
	// 25, 26, 27 lie between 180 s and 70 s before the end, so min(…, 4) = 4
	// dedicated; it never sets a Spot target, so that key is absent.
	out, stderr, code := runGpuorch(t, "formula", "eval", "-formula", "testdata/formula_recipe.txt", "-trace", "testdata/formula_sparse.csv", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc["TargetDedicatedNodes"] != 4.0 || doc["NodeDeallocationOption"] != "requeue" {
		t.Errorf("result = %v, want 4 dedicated and requeue", doc)
	}
	for _, absent := range []string{"TargetLowPriorityNodes", "error", "variables"} {
		if _, ok := doc[absent]; ok {
			t.Errorf("%s present in %v", absent, doc)
		}
	}

	// The default formula at the end of the burst trace: idle, zero Spot.
	out, _, code = runGpuorch(t, "formula", "eval", "-formula", builtFormulaFile(t), "-trace", "testdata/formula_burst.csv", "-json")
	doc = nil
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	vars, _ := doc["variables"].(map[string]any)
	if doc["TargetLowPriorityNodes"] != 0.0 || doc["TargetDedicatedNodes"] != 0.0 || doc["NodeDeallocationOption"] != "taskcompletion" || vars["$samplePercent"] != 100.0 {
		t.Errorf("result = %v", doc)
	}
}

func TestFormulaEvalFailures(t *testing.T) {
	// 18 of 20 samples against a 95% requirement: a failed evaluation.
	out, _, code := runGpuorch(t, "formula", "eval", "-formula", "testdata/formula_guarded.txt", "-trace", "testdata/formula_sparse.csv", "-json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	msg, _ := doc["error"].(string)
	if code != 3 || !strings.Contains(msg, "line 2, column 26") || !strings.Contains(msg, "90.0% of the samples") {
		t.Errorf("exit %d, error %q; want 3 and a positioned sample-percent error", code, msg)
	}
	if _, ok := doc["TargetLowPriorityNodes"]; ok {
		t.Errorf("failed evaluation reported a target: %v", doc)
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.formula")
	os.WriteFile(bad, []byte("$TargetDedicatedNodes = max(1,"), 0o600)
	_, stderr, code := runGpuorch(t, "formula", "eval", "-formula", bad, "-trace", "testdata/formula_sparse.csv")
	if code != 3 || !strings.Contains(stderr, "line 1, column 31: expected a value, found end of formula") {
		t.Errorf("parse error: exit %d, %q", code, stderr)
	}

	badTrace := filepath.Join(dir, "bad.csv")
	os.WriteFile(badTrace, []byte("t,$Pending\n0,1\n"), 0o600)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-trace", "testdata/formula_sparse.csv"}, 2, "-formula and -trace are both required"},
		{[]string{"-formula", filepath.Join(dir, "missing"), "-trace", "testdata/formula_sparse.csv"}, 1, "no such file"},
		{[]string{"-formula", "testdata/formula_recipe.txt", "-trace", badTrace}, 1, `"$Pending" is not a service variable`},
		{[]string{"-formula", "testdata/formula_recipe.txt", "-trace", "testdata/formula_sparse.csv", "-start", "yesterday"}, 2, "-start"},
	}
	for _, c := range cases {
		_, stderr, code := runGpuorch(t, append([]string{"formula", "eval"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("eval %v: exit %d %q, want %d %q", c.args, code, stderr, c.code, c.want)
		}
	}
}

func TestFormulaEvalText(t *testing.T) {
	out, _, code := runGpuorch(t, "formula", "eval", "-formula", "testdata/formula_recipe.txt", "-trace", "testdata/formula_sparse.csv")
	if code != 0 || out != "$TargetDedicatedNodes=4\n$NodeDeallocationOption=requeue\n" {
		t.Errorf("exit %d, output %q", code, out)
	}
}

func TestFormulaSimulate(t *testing.T) {
	path := builtFormulaFile(t)
	out, stderr, code := runGpuorch(t, "formula", "simulate", "-formula", path, "-trace", "testdata/formula_burst.csv", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var steps []autoscale.Step
	if err := json.Unmarshal([]byte(out), &steps); err != nil {
		t.Fatalf("not JSON steps: %v", err)
	}
	if len(steps) != 25 {
		t.Fatalf("%d evaluations over 2 hours at 5m, want 25", len(steps))
	}
	first := -1.0
	for _, st := range steps {
		if st.TargetLowPriority > 0 && first < 0 {
			first = st.T
		}
	}
	// The burst starts at 3600 s; samples arrive a minute late, so the
	// 3600 s evaluation cannot see it and the 3900 s one scales.
	if first != 3900 {
		t.Errorf("first Spot target at t=%v, want 3900", first)
	}

	text, _, code := runGpuorch(t, "formula", "simulate", "-formula", path, "-trace", "testdata/formula_burst.csv", "-interval", "10m")
	if lines := strings.Count(text, "\n"); code != 0 || lines != 14 {
		t.Errorf("10m interval: exit %d, %d lines (header + 13 evaluations):\n%s", code, lines, text)
	}
	_, stderr, code = runGpuorch(t, "formula", "simulate", "-formula", path, "-trace", "testdata/formula_burst.csv", "-interval", "1m")
	if code != 2 || !strings.Contains(stderr, "SimConfig.Interval must be") {
		t.Errorf("1m interval: exit %d, %q", code, stderr)
	}
}

func TestFormulaUsage(t *testing.T) {
	for _, args := range [][]string{{"formula"}, {"formula", "plot"}} {
		_, stderr, code := runGpuorch(t, args...)
		if code != 2 || !strings.Contains(stderr, "usage: gpuorch formula") {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}
