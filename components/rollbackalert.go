package components

import (
	"fmt"
	"log/slog"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// rollbackLines are the router's lines that say it rolled a canary back
// (routerconfig.LogRollback) from the environment's console logs, one per
// rollback: the replica whose analysis decided it writes the line without
// routerconfig.LogFieldFrom; the others, and every replica that reads the
// rollback back from Key Vault at start, write it with that field, and
// are left out so that a restart does not page anyone again.
var rollbackLines = `ContainerAppConsoleLogs
| where ContainerAppName == '%s'
| extend e = parse_json(Log)
| where tostring(e.` + slog.MessageKey + `) == '` + routerconfig.LogRollback + `' and isempty(tostring(e.` + routerconfig.LogFieldFrom + `))
| project TimeGenerated, model = tostring(e.` + routerconfig.LogFieldModel + `), revision = tostring(e.` + routerconfig.LogFieldRevision + `), reason = tostring(e.` + routerconfig.LogFieldReason + `)`

// newRollbackAlert declares the log search alert (insights
// ScheduledQueryRule, API 2023-03-15-preview in azure-native 2.90.0) that
// fires into the action group when the router rolls a canary back, one
// alert per model and revision. A rollback is a log line, not a metric
// Azure Monitor collects (the router's router_rollbacks_total is
// Prometheus's), hence a query over the workspace the environment's
// diagnostic setting writes to.
func newRollbackAlert(ctx *pulumi.Context, name string, place Placement, workspaceID, actionGroupID pulumi.StringInput, routerApp pulumi.StringOutput, opts ...pulumi.ResourceOption) error {
	dimension := func(column string) insights.DimensionArgs {
		return insights.DimensionArgs{Name: pulumi.String(column), Operator: pulumi.String("Include"), Values: pulumi.StringArray{pulumi.String("*")}}
	}
	_, err := insights.NewScheduledQueryRule(ctx, name+"-canary-rolled-back", &insights.ScheduledQueryRuleArgs{
		RuleName:          pulumi.String(place.Naming.Hyphenated("alert") + "-canary-rolled-back"),
		ResourceGroupName: place.ResourceGroupName,
		Location:          place.Location,
		Kind:              pulumi.String("LogAlert"),
		DisplayName:       pulumi.String("Canary rolled back"),
		Description: pulumi.String("The router took a canary revision out of its model's split (weight 0 on every replica): " +
			"it broke its rollback thresholds against stable. gpuorch rollout status says why; README, Revisions of a model."),
		Severity:            pulumi.Float64(1),
		Enabled:             pulumi.Bool(true),
		Scopes:              pulumi.StringArray{workspaceID},
		EvaluationFrequency: pulumi.String("PT5M"),
		WindowSize:          pulumi.String("PT5M"),
		// A rollback is an event: the alert stays fired until someone
		// closes it, rather than resolving when the next window is quiet.
		AutoMitigate: pulumi.Bool(false),
		// The console log table exists only once the environment has
		// written to the workspace: validating the query at creation would
		// fail a first deployment.
		SkipQueryValidation: pulumi.Bool(true),
		Criteria: insights.ScheduledQueryRuleCriteriaArgs{AllOf: insights.ConditionArray{insights.ConditionArgs{
			Query:           pulumi.Sprintf(rollbackLines, routerApp),
			TimeAggregation: pulumi.String("Count"),
			Operator:        pulumi.String("GreaterThan"),
			Threshold:       pulumi.Float64(0),
			Dimensions:      insights.DimensionArray{dimension("model"), dimension("revision")},
			FailingPeriods:  &insights.ConditionFailingPeriodsArgs{NumberOfEvaluationPeriods: pulumi.Float64(1), MinFailingPeriodsToAlert: pulumi.Float64(1)},
		}}},
		Actions: &insights.ActionsArgs{ActionGroups: pulumi.StringArray{actionGroupID}},
		Tags:    place.Tags,
	}, opts...)
	if err != nil {
		return fmt.Errorf("rollback alert: %w", err)
	}
	return nil
}
