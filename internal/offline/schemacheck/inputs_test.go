package schemacheck

import (
	"slices"
	"testing"
)

var widgetType = []ResourceType{{"test:batch:Widget", "batch/widget.d.ts", "WidgetArgs", "batch"}}

func TestSentInputsThatMatchHaveNoFindings(t *testing.T) {
	rep, err := CheckInputs("testdata/package", widgetType, []Sent{{Type: "test:batch:Widget", Name: "w", Inputs: map[string]any{
		"accountName":   "a",
		"scaleSettings": map[string]any{"autoScale": map[string]any{"formula": "f", "evaluationInterval": "[unknown]"}},
		"rules":         []any{map[string]any{"name": "r1", "priority": 100.0}, map[string]any{"name": "r2"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 {
		t.Fatalf("findings: %v", rep.Findings)
	}
	want := []string{"AutoScaleSettingsArgs.evaluationInterval", "AutoScaleSettingsArgs.formula", "RuleArgs.name", "RuleArgs.priority",
		"ScaleSettingsArgs.autoScale", "WidgetArgs.accountName", "WidgetArgs.rules", "WidgetArgs.scaleSettings"}
	if !slices.Equal(rep.Checked, want) {
		t.Fatalf("checked %v, want %v", rep.Checked, want)
	}
}

// A key the provider does not declare is reported wherever it is sent: at
// the top, in a nested object, in an element of an array of objects, and in
// a versioned namespace's interface only; other types' resources are not
// compared.
func TestSentInputsTheProviderDoesNotDeclareAreReported(t *testing.T) {
	rep, err := CheckInputs("testdata/package", widgetType, []Sent{
		{Type: "test:batch:Widget", Name: "w", Inputs: map[string]any{
			"accountName":   "a",
			"accountname":   "typo",
			"scaleSettings": map[string]any{"autoScale": map[string]any{"formula": "f", "futureOnlyProperty": "x"}},
			"rules":         []any{map[string]any{"name": "r1", "priorty": 100.0}},
		}},
		{Type: "test:batch:Gadget", Name: "g", Inputs: map[string]any{"anything": 1.0}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Interface+"."+f.Property)
	}
	want := []string{"AutoScaleSettingsArgs.futureOnlyProperty", "RuleArgs.priorty", "WidgetArgs.accountname"}
	if !slices.Equal(got, want) {
		t.Fatalf("findings %v, want %v", got, want)
	}
}
