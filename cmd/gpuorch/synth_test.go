package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/sim"
)

// synth writes a trace simulate reads, the same one for the same seed.
func TestSynthWritesASeededTraceSimulateReads(t *testing.T) {
	var a, b, errb bytes.Buffer
	args := []string{"-seed", "3", "-duration", "10m", "-rate", "2"}
	if code := runSynth(args, &a, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if code := runSynth(args, &b, &errb); code != 0 || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("the same seed wrote two different traces (exit %d)", code)
	}
	rows, err := sim.ReadTrace(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatalf("simulate cannot read synth's output: %v", err)
	}
	if n := len(rows); n < 900 || n > 1500 {
		t.Errorf("%d requests in 10 minutes at 2 a second, want about 1,200", n)
	}
	path := filepath.Join(t.TempDir(), "long.csv")
	if code := runSynth(append(args, "-o", path), &b, &errb); code != 0 {
		t.Fatalf("-o: exit %d: %s", code, errb.String())
	}
	if file, err := os.ReadFile(path); err != nil || !bytes.Equal(file, a.Bytes()) {
		t.Fatalf("-o wrote something else than standard output (%v)", err)
	}
	var out bytes.Buffer
	if code := runSimulate([]string{"-trace", path, "-policy", sim.Production}, &out, &errb); code != 0 {
		t.Fatalf("simulate on synth's trace: exit %d: %s", code, errb.String())
	}
}

func TestSynthRefusesAShapeOutOfRange(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runSynth([]string{"-prompt-max", "100"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "prompt") {
		t.Fatalf("exit %d, stderr %q: want 2 and a message naming the prompt lengths", code, errb.String())
	}
	if out.Len() != 0 {
		t.Fatalf("wrote %d bytes of trace for a refused shape", out.Len())
	}
}
