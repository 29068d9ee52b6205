package plan

import (
	"reflect"
	"testing"
)

func doc(stack string, rs ...Resource) Document { return Document{Stack: stack, Resources: rs} }

func TestDiffMatchesByTypeAndName(t *testing.T) {
	a := doc("dev",
		Resource{Type: "t:Pool", Name: "pool", Inputs: map[string]any{"vmSize": "A", "accountName": "bagpuorchdev6c9aab"}},
		Resource{Type: "t:Old", Name: "old", Inputs: map[string]any{}},
		Resource{Type: "t:App", Name: "app", Inputs: map[string]any{"env": []any{
			map[string]any{"name": "X", "value": "1"}, map[string]any{"name": "Y", "value": "2"}}}},
	)
	b := doc("prod",
		Resource{Type: "t:Pool", Name: "pool", Inputs: map[string]any{"vmSize": "B", "accountName": "bagpuorchprod879f02"}},
		Resource{Type: "t:New", Name: "new", Inputs: map[string]any{}},
		// Same env vars in another order, one changed.
		Resource{Type: "t:App", Name: "app", Inputs: map[string]any{"env": []any{
			map[string]any{"name": "Y", "value": "3"}, map[string]any{"name": "X", "value": "1"}}}},
	)
	c := Diff(a, b)
	want := map[string]bool{
		"changed t:Pool pool vmSize":     true,
		"removed t:Old old ":             true,
		"added t:New new ":               true,
		"changed t:App app env[Y].value": true,
	}
	got := map[string]bool{}
	for _, ch := range c.Changes {
		got[ch.Kind+" "+ch.Type+" "+ch.Name+" "+ch.Path] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing change %q in %+v", k, c.Changes)
		}
	}
	if len(got) != len(want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	if c.NameOnly != 1 {
		t.Errorf("name-only differences %d, want 1 (the Batch account name)", c.NameOnly)
	}
}

func TestDiffKeepsSecretsMasked(t *testing.T) {
	a := doc("dev", Resource{Type: "t:S", Name: "s", Inputs: map[string]any{"value": Secret}})
	b := doc("prod", Resource{Type: "t:S", Name: "s", Inputs: map[string]any{}})
	c := Diff(a, b)
	if len(c.Changes) != 1 || c.Changes[0].From != Secret {
		t.Errorf("changes %+v", c.Changes)
	}
}

// A consumer that waits for a grant in one plan and not in the other is a
// difference a reviewer must see, whatever the stacks' names.
func TestDiffReportsDependencyChanges(t *testing.T) {
	grant := func(stack string) string {
		return "urn:pulumi:" + stack + "::p::gpu-orchestration:platform:Platform$azure-native:authorization:RoleAssignment::ra-inference-acrpull-registry"
	}
	env := func(stack string) string {
		return "urn:pulumi:" + stack + "::p::gpu-orchestration:platform:Platform$gpu-orchestration:inference:Inference$azure-native:app/v20250101:ManagedEnvironment::gpuorch-inference-cae"
	}
	app := func(stack string, deps ...string) Document {
		return Document{Stack: stack, Resources: []Resource{{
			Type: "azure-native:app/v20250101:ContainerApp", Name: "gpuorch-inference-app", Dependencies: deps, Inputs: map[string]any{},
		}}}
	}
	c := Diff(app("dev", env("dev"), grant("dev")), app("prod", env("prod")))
	if len(c.Changes) != 1 {
		t.Fatalf("changes %+v, want one dependency change", c.Changes)
	}
	ch := c.Changes[0]
	if ch.Kind != "dependencies" || !reflect.DeepEqual(ch.From, []string{"azure-native:authorization:RoleAssignment::ra-inference-acrpull-registry"}) || ch.To != nil {
		t.Fatalf("change %+v", ch)
	}
	if c := Diff(app("dev", env("dev")), app("prod", env("prod"))); len(c.Changes) != 0 {
		t.Fatalf("the same dependencies under two stack names differ: %+v", c.Changes)
	}
}
