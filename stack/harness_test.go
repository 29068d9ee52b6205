package stack_test

import (
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

var stacks = []string{"dev", "prod"}

// deploy runs the program for a stack file, as `pulumi up` would, under mocks.
func deploy(t *testing.T, name string) *mockstack.Result {
	t.Helper()
	res, err := mockstack.Run("..", name, stack.Program)
	if err != nil {
		t.Fatalf("mocked %s run: %v", name, err)
	}
	return res
}

// deployWith runs a stack file with config keys overridden.
func deployWith(t *testing.T, name string, set map[string]string) (*mockstack.Result, error) {
	t.Helper()
	cfg, err := mockstack.LoadStackConfig("..", name)
	if err != nil {
		t.Fatal(err)
	}
	return mockstack.RunConfig(cfg.With(set), stack.Program)
}

func one(t *testing.T, res *mockstack.Result, typ string) mockstack.Resource {
	t.Helper()
	all := res.OfType(typ)
	if len(all) != 1 {
		t.Fatalf("%s stack: %d resources of type %s, want 1", res.Stack, len(all), typ)
	}
	return all[0]
}
