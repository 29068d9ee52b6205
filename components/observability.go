package components

import (
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/consumption/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// ObservabilityArgs configures the observability tier.
type ObservabilityArgs struct {
	Placement
	// ResourceGroupID scopes the budget: it covers every resource of the stack.
	ResourceGroupID pulumi.StringInput
	// Monitoring is the workspace's retention, the e-mails that receive
	// alerts (through the action group) and budget notifications, and the
	// monthly budget with its first day (QueueDepthAlert is the alerts
	// tier's).
	config.Monitoring
}

// Observability is the stack's Log Analytics workspace, the action group
// every alert notifies, and the monthly budget (cost alerts are budgets in
// Azure, not metric alerts).
type Observability struct {
	pulumi.ResourceState

	// WorkspaceID is the Log Analytics workspace's resource id.
	WorkspaceID pulumi.StringOutput `pulumi:"workspaceId"`
	// WorkspaceName is the Log Analytics workspace's name.
	WorkspaceName pulumi.StringOutput `pulumi:"workspaceName"`
	// WorkspaceCustomerID is the workspace id used by log queries and agents.
	WorkspaceCustomerID pulumi.StringOutput `pulumi:"workspaceCustomerId"`
	// ActionGroupID is the action group metric alerts notify.
	ActionGroupID pulumi.StringOutput `pulumi:"actionGroupId"`
	// BudgetName and BudgetID name the monthly budget.
	BudgetName pulumi.StringOutput `pulumi:"budgetName"`
	BudgetID   pulumi.StringOutput `pulumi:"budgetId"`
}

// NewObservability declares the workspace, action group and budget.
func NewObservability(ctx *pulumi.Context, name string, args *ObservabilityArgs, opts ...pulumi.ResourceOption) (*Observability, error) {
	comp := &Observability{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:observability:Observability", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)

	workspace, err := operationalinsights.NewWorkspace(ctx, name+"-log", &operationalinsights.WorkspaceArgs{
		WorkspaceName:     pulumi.String(args.Naming.Hyphenated("log")),
		ResourceGroupName: args.ResourceGroupName,
		Location:          args.Location,
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(args.LogRetentionDays),
		Tags:              args.Tags,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("log analytics workspace: %w", err)
	}

	receivers := insights.EmailReceiverArray{}
	for i, email := range args.AlertEmails {
		receivers = append(receivers, insights.EmailReceiverArgs{
			Name:                 pulumi.String(fmt.Sprintf("email-%d", i+1)),
			EmailAddress:         pulumi.String(email),
			UseCommonAlertSchema: pulumi.Bool(true),
		})
	}
	actionGroup, err := insights.NewActionGroup(ctx, name+"-ag", &insights.ActionGroupArgs{
		ActionGroupName:   pulumi.String(args.Naming.Hyphenated("ag")),
		ResourceGroupName: args.ResourceGroupName,
		// Action groups are global resources.
		Location:       pulumi.String("global"),
		GroupShortName: pulumi.String(shortName("gpu" + args.Naming.Stack)),
		Enabled:        pulumi.Bool(true),
		EmailReceivers: receivers,
		Tags:           args.Tags,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("action group: %w", err)
	}

	budget, err := consumption.NewBudget(ctx, name+"-budget", &consumption.BudgetArgs{
		BudgetName: pulumi.String(args.Naming.Hyphenated("budget")),
		Scope:      args.ResourceGroupID,
		Amount:     pulumi.Float64(float64(args.MonthlyBudget)),
		Category:   pulumi.String("Cost"),
		TimeGrain:  pulumi.String("Monthly"),
		TimePeriod: &consumption.BudgetTimePeriodArgs{StartDate: pulumi.String(budgetStart(args.BudgetStartDate, time.Now()) + "T00:00:00Z")},
		Notifications: consumption.NotificationMap{
			"actual80":      budgetNotification(80, "Actual", args.AlertEmails, actionGroup.ID()),
			"actual100":     budgetNotification(100, "Actual", args.AlertEmails, actionGroup.ID()),
			"forecasted100": budgetNotification(100, "Forecasted", args.AlertEmails, actionGroup.ID()),
		},
		// The start date is fixed when the budget is created; a later month's
		// default must not try to move it.
	}, child, pulumi.IgnoreChanges([]string{"timePeriod.startDate"}))
	if err != nil {
		return nil, fmt.Errorf("budget: %w", err)
	}

	comp.WorkspaceID = workspace.ID().ToStringOutput()
	comp.WorkspaceName = workspace.Name
	comp.WorkspaceCustomerID = workspace.CustomerId
	comp.ActionGroupID = actionGroup.ID().ToStringOutput()
	comp.BudgetName = budget.Name
	comp.BudgetID = budget.ID().ToStringOutput()
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"workspaceId":         comp.WorkspaceID,
		"workspaceName":       comp.WorkspaceName,
		"workspaceCustomerId": comp.WorkspaceCustomerID,
		"actionGroupId":       comp.ActionGroupID,
		"budgetName":          comp.BudgetName,
		"budgetId":            comp.BudgetID,
	})
}

func budgetNotification(percent float64, kind string, emails []string, actionGroupID pulumi.IDOutput) consumption.NotificationArgs {
	return consumption.NotificationArgs{
		Enabled:       pulumi.Bool(true),
		Operator:      pulumi.String("GreaterThanOrEqualTo"),
		Threshold:     pulumi.Float64(percent),
		ThresholdType: pulumi.String(kind),
		ContactEmails: pulumi.ToStringArray(emails),
		ContactGroups: pulumi.StringArray{actionGroupID.ToStringOutput()},
	}
}

// budgetStart is the budget's first day: the configured one, or the first
// of the current month (the budget ignores later changes of its start).
func budgetStart(configured string, now time.Time) string {
	if configured != "" {
		return configured
	}
	return now.UTC().Format("2006-01") + "-01"
}

// shortName fits the action group's 12-character short name.
func shortName(s string) string {
	s = strings.ToLower(s)
	if len(s) > 12 {
		s = s[:12]
	}
	return s
}
