package components_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/azurenames"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// The dashboard tier alone: a workbook named by a GUID that is stable for
// its stack and differs between stacks, whose log queries select the
// router's request lines by the message and app name the router uses.
func TestDashboardWorkbookQueriesTheRoutersOwnLogLines(t *testing.T) {
	workbook := func(stack string) (name, data string) {
		res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
			_, err := components.NewDashboard(ctx, "dash", &components.DashboardArgs{
				Placement: place(), Stack: stack, WorkspaceID: pulumi.String("ws-id"), RouterAppName: pulumi.String("ca-router-x"),
				StorageAccountID: pulumi.String("st-id"),
				BatchAccountID:   pulumi.String("ba-id"), BudgetID: pulumi.String("budget-id"),
				Tiles: []components.WorkbookTile{{Title: "chat-1: replicas", ResourceType: "microsoft.app/containerapps",
					ResourceID: pulumi.String("chat-app-id"), Aggregation: 3, Metrics: []string{"Replicas"}}},
			})
			return pulumi.Map{}, err
		})
		wbs := res.OfType("azure-native:insights:Workbook")
		if len(wbs) != 1 {
			t.Fatalf("%d workbooks", len(wbs))
		}
		return wbs[0].String("resourceName"), wbs[0].String("serializedData")
	}
	a, data := workbook("dev")
	again, _ := workbook("dev")
	other, _ := workbook("staging")
	if err := azurenames.Rules["insights:Workbook"].Check(a); err != nil {
		t.Error(err)
	}
	if a != again || a == other {
		t.Errorf("workbook names: dev %q then %q, staging %q; want stable per stack, different between stacks", a, again, other)
	}
	for _, want := range []string{"ContainerAppName == 'ca-router-x'", "'" + routerconfig.LogInfer + "'", "e." + routerconfig.LogFieldPath, "ws-id", "chat-1: replicas", "chat-app-id"} {
		if !strings.Contains(data, want) {
			t.Errorf("workbook content lacks %q", want)
		}
	}
}
