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
	// RouterAppID, InferenceAppID, StorageAccountID and BatchAccountID are
	// the watched resources.
	RouterAppID, InferenceAppID, StorageAccountID, BatchAccountID pulumi.StringInput
	// InferenceMaxReplicas is the replica count that means "pinned at max".
	InferenceMaxReplicas int
	// QueueDepthThreshold is the work-queue depth that pages someone.
	QueueDepthThreshold int
}

// Alerts are the metric alerts of the platform, all into one action group.
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
		{name: "inference-replicas-at-max", description: "The inference app has run at its maximum replicas for 15 minutes: realtime requests are being shed or queued.",
			scope: args.InferenceAppID, namespace: NamespaceContainerApps, metric: "Replicas",
			aggregation: "Minimum", op: "GreaterThanOrEqual", threshold: float64(args.InferenceMaxReplicas), severity: 2, frequency: "PT5M", window: "PT15M"},
		{name: "inference-gpu-high", description: "GPU utilization of the inference app stayed above 90%.",
			scope: args.InferenceAppID, namespace: NamespaceContainerApps, metric: "GpuUtilizationPercentage",
			aggregation: "Average", op: "GreaterThan", threshold: 90, severity: 3, frequency: "PT5M", window: "PT15M", preview: true},
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
		ruleName := args.Naming.Hyphenated("alert") + "-" + r.name
		if _, err := insights.NewMetricAlert(ctx, name+"-"+r.name, &insights.MetricAlertArgs{
			RuleName:            pulumi.String(ruleName),
			ResourceGroupName:   args.ResourceGroupName,
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
			Actions: insights.MetricAlertActionArray{insights.MetricAlertActionArgs{ActionGroupId: args.ActionGroupID}},
			Tags:    args.Tags,
		}, pulumi.Parent(comp)); err != nil {
			return nil, fmt.Errorf("alert %s: %w", r.name, err)
		}
		names = append(names, ruleName)
	}
	comp.RuleNames = pulumi.ToStringArray(names).ToStringArrayOutput()
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"ruleNames": comp.RuleNames})
}
