package components

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// operations are what operators watch: the metric alerts into the action
// group, and the workbook.
type operations struct {
	alerts    *Alerts
	dashboard *Dashboard
}

// newOperations declares the alerts on the shared workloads and kept tiers
// (each model has its own), the rollback alert while a model has a canary,
// and the workbook that charts them with every model's tiles.
func newOperations(ctx *pulumi.Context, name string, args *PlatformArgs, base *foundation, kept *keptTiers, run *workloads, parent pulumi.ResourceOption) (*operations, error) {
	obs, store := kept.observability, kept.storage
	alerts, err := NewAlerts(ctx, name+"-alerts", &AlertsArgs{
		Placement:           base.place,
		ActionGroupID:       obs.ActionGroupID,
		RouterAppID:         run.router.AppID,
		StorageAccountID:    store.AccountID,
		BatchAccountID:      run.batch.AccountID,
		QueueDepthThreshold: args.Monitoring.QueueDepthAlert,
	}, parent)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(args.Models, func(m config.Model) bool { return len(m.Canaries()) > 0 }) {
		if err := newRollbackAlert(ctx, name, base.place, obs.WorkspaceID, obs.ActionGroupID, run.router.AppName, parent); err != nil {
			return nil, err
		}
	}
	dash, err := NewDashboard(ctx, name+"-dashboard", &DashboardArgs{
		Placement:        base.place,
		Stack:            args.Stack,
		WorkspaceID:      obs.WorkspaceID,
		RouterAppName:    run.router.AppName,
		StorageAccountID: store.AccountID,
		BatchAccountID:   run.batch.AccountID,
		BudgetID:         obs.BudgetID,
		Tiles:            tiles(run.models),
	}, parent)
	if err != nil {
		return nil, err
	}
	return &operations{alerts: alerts, dashboard: dash}, nil
}

// tiles are the models' workbook tiles, in the models' order.
func tiles(models []*ModelDeployment) []WorkbookTile {
	var out []WorkbookTile
	for _, m := range models {
		out = append(out, m.Tiles...)
	}
	return out
}
