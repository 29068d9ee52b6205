package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dev's stack file replayed on the small trace: a frontier, a current and a
// recommended setting, config commands naming the stack when they differ,
// and the SVG written.
func TestTuneOnTheDevStack(t *testing.T) {
	var out, errb bytes.Buffer
	svg := filepath.Join(t.TempDir(), "frontier.svg")
	if code := runTune([]string{"-trace", "testdata/simulate_small.csv", "-stack", "dev", "-root", "../..", "-plot", svg}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	for _, want := range []string{"Pareto frontier", "current:", "recommended:"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(text, "nothing to change") && !strings.Contains(text, "pulumi config set --stack dev gpu-orchestration:") {
		t.Errorf("neither config commands nor 'nothing to change':\n%s", text)
	}
	if b, err := os.ReadFile(svg); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Fatalf("plot: %v", err)
	}
}

// prod runs A100s, which the simulator does not model: refuse, naming the key.
func TestTuneRefusesAStackItCannotModel(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runTune([]string{"-trace", "testdata/simulate_small.csv", "-stack", "prod", "-root", "../.."}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "gpuType") {
		t.Fatalf("exit %d, stderr %q; want 1 naming gpuType", code, errb.String())
	}
}
