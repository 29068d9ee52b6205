package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// operations are what operators watch: the metric alerts into the action
// group, and the workbook.
type operations struct {
	alerts    *Alerts
	dashboard *Dashboard
}

// newOperations declares the alerts on the workloads and kept tiers, and the
// workbook that charts them.
func newOperations(ctx *pulumi.Context, name string, args *PlatformArgs, base *foundation, kept *keptTiers, run *workloads, parent pulumi.ResourceOption) (*operations, error) {
	obs, store := kept.observability, kept.storage
	alerts, err := NewAlerts(ctx, name+"-alerts", &AlertsArgs{
		Placement:            base.place,
		ActionGroupID:        obs.ActionGroupID,
		RouterAppID:          run.router.AppID,
		InferenceAppID:       run.inference.AppID,
		StorageAccountID:     store.AccountID,
		BatchAccountID:       run.batch.AccountID,
		InferenceMaxReplicas: args.Inference.MaxReplicas,
		QueueDepthThreshold:  args.Monitoring.QueueDepthAlert,
	}, parent)
	if err != nil {
		return nil, err
	}
	dash, err := NewDashboard(ctx, name+"-dashboard", &DashboardArgs{
		Placement:        base.place,
		Stack:            args.Stack,
		WorkspaceID:      obs.WorkspaceID,
		RouterAppName:    run.router.AppName,
		InferenceAppID:   run.inference.AppID,
		StorageAccountID: store.AccountID,
		BatchAccountID:   run.batch.AccountID,
		BudgetID:         obs.BudgetID,
	}, parent)
	if err != nil {
		return nil, err
	}
	return &operations{alerts: alerts, dashboard: dash}, nil
}
