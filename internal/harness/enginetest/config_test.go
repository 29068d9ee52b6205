package enginetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// configCases are stack values of the wrong type for Pulumi.yaml, and values
// the CLI lets through although they are written oddly. rejected is what the
// CLI v3.276.0 does; the mocks must do the same.
var configCases = []struct {
	key, value string
	rejected   bool
}{
	{"batchSpot", "1", true},
	{"inferenceMaxReplicas", "3.5", true},
	{"tags", "environment=dev", true},
	{"alertEmails", "ml-platform-dev@example.com", true},
	{"alertEmails", "[1]", true},
	{"location", "[westus3]", true},
	// The CLI reads a scalar as text, so these pass its type check.
	{"inferenceMaxReplicas", `"3"`, false},
	{"inferenceMaxReplicas", "3.0", false},
}

// Each wrong-typed stack value is refused by the CLI before the program
// runs, and by the mocks with the same message; what the CLI accepts, the
// mocks accept.
func TestConfigTypesAgreeWithCLI(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := context.Background()
	for i, c := range configCases {
		t.Run(fmt.Sprintf("%s=%s", c.key, c.value), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			name := fmt.Sprintf("config-%d", i)
			st, err := eng.Stack(ctx, dir, "dev", name, map[string]string{c.key: c.value})
			if err != nil {
				t.Fatal(err)
			}
			// No policy pack: only the CLI's config check is under test.
			_, cliErr := st.Preview(ctx, optpreview.Message("config check"))
			_, mockErr := mockstack.LoadStackConfig(dir, name)
			want := fmt.Sprintf("Stack '%s' with configuration key '%s' must be of type", name, c.key)

			cliRejected := cliErr != nil && strings.Contains(cliErr.Error(), want)
			if cliRejected != c.rejected {
				t.Errorf("CLI rejected: %v, want %v (err: %v)", cliRejected, c.rejected, cliErr)
			}
			mockRejected := mockErr != nil && strings.Contains(mockErr.Error(), want)
			if mockRejected != c.rejected {
				t.Errorf("mocks rejected: %v, want %v (err: %v)", mockRejected, c.rejected, mockErr)
			}
			if cliErr != nil {
				t.Logf("CLI: %s", cliLine(cliErr.Error(), want))
			}
			if c.rejected {
				return
			}
			// Accepted, the program runs on both with the value it reads.
			if cliErr != nil {
				t.Errorf("the CLI's preview failed: %v", cliErr)
			}
			if mockErr == nil {
				res, err := mockstack.Run(dir, name, stack.Program)
				if err != nil {
					t.Errorf("the mocked run failed: %v", err)
				} else {
					t.Logf("CLI and mocks ran the program: %d resources", len(res.Resources))
				}
			}
		})
	}
}

// cliLine is the line of the CLI's output that holds want.
func cliLine(out, want string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, want) {
			return strings.TrimSpace(line)
		}
	}
	return firstLine(out)
}
