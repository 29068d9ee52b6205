// Package local is the executor of the local run and tests: it runs the
// inference image's batch command as a local process over the same input
// and output blobs an Azure Batch task would use.
package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Executor runs Command (argv) with router.BatchEnvInputPath and BatchEnvOutputPath
// set, after downloading the input blob, and uploads the output file.
type Executor struct {
	Command  []string
	Payloads router.PayloadStore
	// Env is added to the command's environment (besides the run's own).
	Env []string

	sweep sync.Once
}

var _ router.Executor = (*Executor)(nil)

// Execute implements router.Executor.
func (e *Executor) Execute(ctx context.Context, r router.Run) error {
	if len(e.Command) == 0 {
		return router.Errorf(router.EInternal, "local executor: no batch command configured")
	}
	input, err := e.Payloads.Get(ctx, r.InputContainer, r.InputBlob)
	if err != nil {
		return fmt.Errorf("download batch input: %w", err)
	}
	e.sweep.Do(sweepStale)
	dir, err := os.MkdirTemp("", fmt.Sprintf("batch-%d-%s-", os.Getpid(), r.ID))
	if err != nil {
		return router.WrapError(router.EUnavailable, "local executor: no working directory", err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "input.jsonl"), filepath.Join(dir, "output.jsonl")
	if err := os.WriteFile(in, input, 0o600); err != nil {
		return router.WrapError(router.EUnavailable, "local executor: write input", err)
	}
	cmd := exec.CommandContext(ctx, e.Command[0], e.Command[1:]...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), e.Env...), router.BatchEnvInputPath+"="+in, router.BatchEnvOutputPath+"="+out)
	for k, v := range r.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// SIGTERM first, as Batch would stop a task; SIGKILL if it lingers.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return router.WrapError(router.EUnavailable, "batch run "+r.ID+" abandoned", ctx.Err())
		}
		return router.WrapError(router.EInternal, "batch command failed ("+err.Error()+"): "+tail(stderr.Bytes(), 512), err)
	}
	output, err := os.ReadFile(out)
	if err != nil {
		return router.WrapError(router.EInternal, "batch command left no output file", err)
	}
	if err := e.Payloads.Put(ctx, r.OutputContainer, r.OutputBlob, output); err != nil {
		return fmt.Errorf("upload batch output: %w", err)
	}
	return nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(bytes.TrimSpace(b))
}

// sweepStale removes the working directories that executors of processes
// no longer running left behind: a router killed mid-run never ran its
// deferred RemoveAll, and the directory holds request bodies. Directories
// are named batch-<pid>-<run>-*, so live routers' runs are left alone.
func sweepStale() {
	tmp := os.TempDir()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "batch-")
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(filepath.Join(tmp, e.Name()))
		}
	}
}
