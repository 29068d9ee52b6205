package local_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/local"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
)

// The working directory a killed router left behind (it holds request
// bodies) is removed by the next executor's first run; a live process's is
// left alone.
func TestStaleWorkingDirectoriesAreRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(tmp, fmt.Sprintf("batch-%d-b-0123-456", dead.Process.Pid))
	live := filepath.Join(tmp, fmt.Sprintf("batch-%d-b-0123-789", os.Getppid()))
	for _, d := range []string{stale, live} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "input.jsonl"), []byte(`{"id":"x","body":{"secret":1}}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	blobs := &mem.Blobs{}
	if err := blobs.Put(t.Context(), "requests", "in", []byte(`{"id":"a","body":{}}`+"\n")); err != nil {
		t.Fatal(err)
	}
	e := &local.Executor{Command: []string{"sh", "-c", `cp "$BATCH_INPUT_PATH" "$BATCH_OUTPUT_PATH"`}, Payloads: blobs}
	if err := e.Execute(t.Context(), router.Run{ID: "b-1", InputContainer: "requests", InputBlob: "in", OutputContainer: "results", OutputBlob: "out"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("the dead router's working directory is still there (%v)", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Fatalf("a live process's working directory was removed: %v", err)
	}
}
