package plan

import (
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
