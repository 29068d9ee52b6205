package enginetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// stateResource is one resource of a stack's state, as `pulumi stack export`
// writes it.
type stateResource struct {
	URN    string         `json:"urn"`
	Type   string         `json:"type"`
	Custom bool           `json:"custom"`
	Inputs map[string]any `json:"inputs"`
}

// exportState reads the stack's resources from its state, the stack itself
// and the providers left out.
func exportState(t *testing.T, ctx context.Context, st auto.Stack) []stateResource {
	t.Helper()
	dep, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Resources []stateResource `json:"resources"`
	}
	if err := json.Unmarshal(dep.Deployment, &d); err != nil {
		t.Fatal(err)
	}
	var out []stateResource
	for _, r := range d.Resources {
		if r.Type == "pulumi:pulumi:Stack" || strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		out = append(out, r)
	}
	return out
}
