package components_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// The observability tier alone: the workspace keeps logs for the days
// asked, the action group mails every address under a short name Azure
// accepts (at most 12 characters), and the budget warns at 80% and 100%
// actual and 100% forecast, keeping the start date it was created with.
func TestObservabilityWorkspaceActionGroupAndBudget(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		p := place()
		p.Naming = components.NewNaming("a-very-long-stack-name", "sub", "rg-unit")
		_, err := components.NewObservability(ctx, "obs", &components.ObservabilityArgs{
			Placement: p, ResourceGroupID: pulumi.String("/subscriptions/sub/resourceGroups/rg-unit"),
			Monitoring: config.Monitoring{LogRetentionDays: 90, AlertEmails: []string{"a@example.com", "b@example.com"}, MonthlyBudget: 700, BudgetStartDate: "2026-12-01"},
		})
		return pulumi.Map{}, err
	})
	ws := res.OfType("azure-native:operationalinsights:Workspace")
	ags := res.OfType("azure-native:insights:ActionGroup")
	budgets := res.OfType("azure-native:consumption:Budget")
	if len(ws) != 1 || len(ags) != 1 || len(budgets) != 1 {
		t.Fatalf("%d workspaces, %d action groups, %d budgets", len(ws), len(ags), len(budgets))
	}
	if ws[0].Number("retentionInDays") != 90 {
		t.Errorf("retention %v days, want 90", ws[0].Number("retentionInDays"))
	}
	ag := ags[0]
	if short := ag.String("groupShortName"); short == "" || len(short) > 12 {
		t.Errorf("short name %q: Azure wants 1 to 12 characters", short)
	}
	if n := len(ag.Input("emailReceivers").ArrayValue()); n != 2 {
		t.Errorf("%d e-mail receivers, want 2", n)
	}
	b := budgets[0]
	if b.Number("amount") != 700 || b.String("timePeriod.startDate") != "2026-12-01T00:00:00Z" {
		t.Errorf("budget %v from %q", b.Number("amount"), b.String("timePeriod.startDate"))
	}
	notes := b.Input("notifications").ObjectValue()
	for _, k := range []string{"actual80", "actual100", "forecasted100"} {
		if _, ok := notes[resource.PropertyKey(k)]; !ok {
			t.Errorf("no %s notification", k)
		}
	}
	if len(b.IgnoreChanges) != 1 || b.IgnoreChanges[0] != "timePeriod.startDate" {
		t.Errorf("ignoreChanges %v, want the start date kept", b.IgnoreChanges)
	}
}
