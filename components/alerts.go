package components

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Metric namespaces the alerts watch.
const (
	NamespaceContainerApps = "Microsoft.App/containerApps"
	NamespaceQueueServices = "Microsoft.Storage/storageAccounts/queueServices"
	NamespaceBatch         = "Microsoft.Batch/batchAccounts"
)

// AlertsArgs configures the alerts tier.
type AlertsArgs struct {
	Placement
	// ActionGroupID is notified by every rule.
	ActionGroupID pulumi.StringInput
	// RouterAppID, StorageAccountID and BatchAccountID are the watched
	// resources; each model's app has its own rules (ModelDeployment).
	RouterAppID, StorageAccountID, BatchAccountID pulumi.StringInput
	// QueueDepthThreshold is the work-queue depth that pages someone.
	QueueDepthThreshold int
}

// Alerts are the platform's metric alerts on what the models share (the
// router, the queue, the Batch account), all into one action group.
type Alerts struct {
	pulumi.ResourceState

	// RuleNames are the alert rules declared.
	RuleNames pulumi.StringArrayOutput `pulumi:"ruleNames"`
}

// alertRule is one single-metric static-threshold rule. Frequency and window
// are from the pairs Azure Monitor accepts (window ≥ frequency; frequency
// PT1M, PT5M, PT15M, PT30M or PT1H) — azure-docs azure-monitor/alerts/alerts-metric-create-templates.md.
type alertRule struct {
	name, description   string
	scope               pulumi.StringInput
	namespace, metric   string
	aggregation, op     string
	threshold           float64
	severity            int
	frequency, window   string
	dimension, dimValue string
	// preview marks a preview metric: the rule skips metric validation so
	// its creation does not depend on the metric (internal/azure/azmetrics).
	preview bool
}

// NewAlerts declares the metric alerts. Every metric and aggregation is one
// internal/azure/azmetrics lists (Batch metrics are Total only; policy
// metric-supported-aggregation checks it). Metric names are those each namespace
// publishes (azure-docs azure-monitor/reference/supported-metrics/
// microsoft-app-containerapps-metrics.md, microsoft-storage-storageaccounts-
// queueservices-metrics.md, microsoft-batch-batchaccounts-metrics.md).
func NewAlerts(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	comp := &Alerts{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:alerts:Alerts", name, comp, opts...); err != nil {
		return nil, err
	}
	queueService := pulumi.Sprintf("%s/queueServices/default", args.StorageAccountID)
	rules := []alertRule{
		{name: "router-5xx", description: "The router answered with server errors.",
			scope: args.RouterAppID, namespace: NamespaceContainerApps, metric: "Requests",
			aggregation: "Total", op: "GreaterThan", threshold: 10, severity: 1, frequency: "PT1M", window: "PT5M",
			dimension: "statusCodeCategory", dimValue: "5xx"},
		// QueueMessageCount is account-wide and hourly, hence the hour frequency.
		{name: "queue-depth", description: "Messages are piling up in the storage queues: the Batch pool is not keeping up.",
			scope: queueService, namespace: NamespaceQueueServices, metric: "QueueMessageCount",
			aggregation: "Average", op: "GreaterThan", threshold: float64(args.QueueDepthThreshold), severity: 2, frequency: "PT1H", window: "PT6H"},
		{name: "batch-preempted", description: "Spot nodes of the Batch pool were preempted.",
			scope: args.BatchAccountID, namespace: NamespaceBatch, metric: "PreemptedNodeCount",
			aggregation: "Total", op: "GreaterThan", threshold: 0, severity: 3, frequency: "PT5M", window: "PT15M"},
		{name: "batch-task-failures", description: "Batch tasks failed.",
			scope: args.BatchAccountID, namespace: NamespaceBatch, metric: "TaskFailEvent",
			aggregation: "Total", op: "GreaterThan", threshold: 0, severity: 2, frequency: "PT5M", window: "PT15M"},
		{name: "batch-start-task-failed", description: "Batch nodes failed their start task.",
			scope: args.BatchAccountID, namespace: NamespaceBatch, metric: "StartTaskFailedNodeCount",
			aggregation: "Total", op: "GreaterThan", threshold: 0, severity: 2, frequency: "PT5M", window: "PT15M"},
		{name: "batch-unusable-nodes", description: "Batch nodes became unusable.",
			scope: args.BatchAccountID, namespace: NamespaceBatch, metric: "UnusableNodeCount",
			aggregation: "Total", op: "GreaterThan", threshold: 0, severity: 2, frequency: "PT5M", window: "PT15M"},
	}

	names, err := declareAlerts(ctx, name, args.Placement, args.ActionGroupID, rules, pulumi.Parent(comp))
	if err != nil {
		return nil, err
	}
	comp.RuleNames = pulumi.ToStringArray(names).ToStringArrayOutput()
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"ruleNames": comp.RuleNames})
}

// declareAlerts declares one metric alert per rule into the action group,
// named <prefix>-<rule> in the program and alert-gpuorch-<stack>-<rule> in
// Azure, and returns the Azure names.
func declareAlerts(ctx *pulumi.Context, prefix string, place Placement, actionGroupID pulumi.StringInput, rules []alertRule, opts ...pulumi.ResourceOption) ([]string, error) {
	var names []string
	for _, r := range rules {
		criterion := insights.MetricCriteriaArgs{
			CriterionType:   pulumi.String("StaticThresholdCriterion"),
			Name:            pulumi.String(r.metric),
			MetricName:      pulumi.String(r.metric),
			MetricNamespace: pulumi.String(r.namespace),
			Operator:        pulumi.String(r.op),
			Threshold:       pulumi.Float64(r.threshold),
			TimeAggregation: pulumi.String(r.aggregation),
		}
		if r.preview {
			criterion.SkipMetricValidation = pulumi.BoolPtr(true)
		}
		if r.dimension != "" {
			criterion.Dimensions = insights.MetricDimensionArray{insights.MetricDimensionArgs{
				Name: pulumi.String(r.dimension), Operator: pulumi.String("Include"), Values: pulumi.StringArray{pulumi.String(r.dimValue)},
			}}
		}
		ruleName := place.Naming.Hyphenated("alert") + "-" + r.name
		if _, err := insights.NewMetricAlert(ctx, prefix+"-"+r.name, &insights.MetricAlertArgs{
			RuleName:            pulumi.String(ruleName),
			ResourceGroupName:   place.ResourceGroupName,
			Location:            pulumi.String("global"),
			Description:         pulumi.String(r.description),
			Severity:            pulumi.Int(r.severity),
			Enabled:             pulumi.Bool(true),
			Scopes:              pulumi.StringArray{r.scope},
			EvaluationFrequency: pulumi.String(r.frequency),
			WindowSize:          pulumi.String(r.window),
			AutoMitigate:        pulumi.Bool(true),
			Criteria: insights.MetricAlertSingleResourceMultipleMetricCriteriaArgs{
				OdataType: pulumi.String("Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"),
				AllOf:     insights.MetricCriteriaArray{criterion},
			},
			Actions: insights.MetricAlertActionArray{insights.MetricAlertActionArgs{ActionGroupId: actionGroupID}},
			Tags:    place.Tags,
		}, opts...); err != nil {
			return nil, fmt.Errorf("alert %s: %w", r.name, err)
		}
		names = append(names, ruleName)
	}
	return names, nil
}
