package schemacheck

import (
	"reflect"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type AutoScaleSettingsArgs struct {
	Formula            pulumi.StringInput `pulumi:"formula"`
	EvaluationInterval pulumi.StringInput `pulumi:"evaluationInterval"`
}

type ScaleSettingsArgs struct {
	AutoScale *AutoScaleSettingsArgs `pulumi:"autoScale"`
}

type WidgetArgs struct {
	AccountName   pulumi.StringInput `pulumi:"accountName"`
	ScaleSettings *ScaleSettingsArgs `pulumi:"scaleSettings"`
}

func check(t *testing.T, args any) *Report {
	t.Helper()
	rep, err := Check("testdata/package", []Binding{{Args: reflect.TypeOf(args), ArgsDTS: "batch/widget.d.ts", TypesNamespace: "batch"}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestMatchingBindingHasNoFindings(t *testing.T) {
	rep := check(t, WidgetArgs{})
	if len(rep.Findings) != 0 {
		t.Fatalf("findings: %v", rep.Findings)
	}
	want := []string{"AutoScaleSettingsArgs.evaluationInterval", "AutoScaleSettingsArgs.formula", "ScaleSettingsArgs.autoScale", "WidgetArgs.accountName", "WidgetArgs.scaleSettings"}
	if !slices.Equal(rep.Checked, want) {
		t.Fatalf("checked %v, want %v", rep.Checked, want)
	}
}

func TestPropertyOnlyInAVersionedNamespaceIsReported(t *testing.T) {
	type AutoScaleSettingsArgs struct {
		Formula    pulumi.StringInput `pulumi:"formula"`
		FutureOnly pulumi.StringInput `pulumi:"futureOnlyProperty"`
		Unrelated  pulumi.StringInput `pulumi:"unrelated"`
	}
	type ScaleSettingsArgs struct {
		AutoScale *AutoScaleSettingsArgs `pulumi:"autoScale"`
	}
	type WidgetArgs struct {
		Scale *ScaleSettingsArgs `pulumi:"scaleSetings"`
	}
	rep := check(t, WidgetArgs{})
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Interface+"."+f.Property)
	}
	want := []string{"WidgetArgs.scaleSetings", "AutoScaleSettingsArgs.futureOnlyProperty", "AutoScaleSettingsArgs.unrelated"}
	if !slices.Equal(got, want) {
		t.Fatalf("findings %v, want %v", got, want)
	}
}

func TestUnknownInterfaceIsReported(t *testing.T) {
	type GadgetArgs struct {
		Name pulumi.StringInput `pulumi:"name"`
	}
	rep, err := Check("testdata/package", []Binding{{Args: reflect.TypeOf(GadgetArgs{}), ArgsDTS: "batch/widget.d.ts", TypesNamespace: "batch"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Interface != "GadgetArgs" {
		t.Fatalf("findings %v", rep.Findings)
	}
}
