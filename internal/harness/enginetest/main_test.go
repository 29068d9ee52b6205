package enginetest

import (
	"errors"
	"os"
	"sync"
	"testing"
)

var shared struct {
	once sync.Once
	dir  string
	eng  *Engine
	err  error
}

// engine starts the shared engine once. Without a built CLI the engine tests
// skip on a developer's machine and fail in CI (CI=true), which builds the
// CLI first (scripts/test.sh runs scripts/pulumi-cli.sh).
func engine(t *testing.T) *Engine {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "enginetest-")
		if shared.err == nil {
			shared.eng, shared.err = Start(shared.dir)
		}
	})
	switch {
	case errors.Is(shared.err, ErrNoCLI) && os.Getenv("CI") != "true":
		t.Skip(shared.err)
	case shared.err != nil:
		t.Fatal(shared.err)
	}
	return shared.eng
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.eng != nil {
		shared.eng.Stop()
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}
