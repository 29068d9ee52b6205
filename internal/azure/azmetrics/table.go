// Package azmetrics is the table of Azure Monitor platform metrics the stack
// alerts on and charts, with the aggregations Azure accepts for each. Azure
// Monitor rejects a metric alert whose time aggregation the metric does not
// support, and a workbook chart of a metric that does not exist shows
// nothing; the provider schema checks neither. The policy pack
// (metric-supported-aggregation) and the stack tests judge every alert and
// workbook chart against this table.
package azmetrics

import "strings"

// Aggregation names as metric alert criteria spell timeAggregation.
const (
	Average = "Average"
	Minimum = "Minimum"
	Maximum = "Maximum"
	Total   = "Total"
	Count   = "Count"
)

// Namespaces of the metrics the stack uses.
const (
	ContainerApps = "Microsoft.App/containerApps"
	QueueServices = "Microsoft.Storage/storageAccounts/queueServices"
	BatchAccounts = "Microsoft.Batch/batchAccounts"
	CdnProfiles   = "Microsoft.Cdn/profiles"
)

// Metric is one platform metric: where it lives, what may aggregate it, and
// where that is written.
type Metric struct {
	Namespace    string
	Name         string
	Aggregations []string
	// Preview metrics may change or be withdrawn; an alert on one must set
	// skipMetricValidation so its creation does not depend on them.
	Preview bool
	Source  string
}

// The supported-metrics reference pages (learn.microsoft.com
// azure/azure-monitor/reference/supported-metrics/<page>), generated from
// Azure's metric definitions API.
const (
	srcContainerApps = "learn.microsoft.com azure/azure-monitor/reference/supported-metrics/microsoft-app-containerapps-metrics (generated 2025-04-16; MicrosoftDocs/azure-reference-other azure-monitor-ref/supported-metrics/includes/microsoft-app-containerapps-metrics-include.md)"
	srcQueue         = "learn.microsoft.com azure/azure-monitor/reference/supported-metrics/microsoft-storage-storageaccounts-queueservices-metrics (MicrosoftDocs/azure-reference-other azure-monitor-ref/supported-metrics/includes/microsoft-storage-storageaccounts-queueservices-metrics-include.md)"
	srcCdn           = "learn.microsoft.com azure/azure-monitor/reference/supported-metrics/microsoft-cdn-profiles-metrics (OriginHealthPercentage: Percent, Average, dimensions Origin and OriginGroup; MicrosoftDocs/azure-reference-other azure-monitor-ref/supported-metrics/includes/microsoft-cdn-profiles-metrics-include.md)"
	srcBatch         = "learn.microsoft.com azure/azure-monitor/reference/supported-metrics/microsoft-batch-batchaccounts-metrics (generated 2025-04-16: every Batch metric is Total (Sum) only; MicrosoftDocs/azure-reference-other azure-monitor-ref/supported-metrics/includes/microsoft-batch-batchaccounts-metrics-include.md)"
)

// Table lists the metrics the stack uses and their neighbours a reader may
// reach for. There is no TotalDedicatedNodeCount: dedicated nodes are
// TotalNodeCount ("Dedicated Node Count").
var Table = []Metric{
	{ContainerApps, "Requests", []string{Average, Total, Maximum, Minimum}, false, srcContainerApps},
	{ContainerApps, "Replicas", []string{Average, Total, Maximum, Minimum}, false, srcContainerApps},
	{ContainerApps, "RestartCount", []string{Average, Total, Maximum, Minimum}, false, srcContainerApps},
	{ContainerApps, "GpuUtilizationPercentage", []string{Average, Maximum, Minimum}, true, srcContainerApps},
	{QueueServices, "QueueMessageCount", []string{Average}, false, srcQueue},
	{CdnProfiles, "OriginHealthPercentage", []string{Average}, false, srcCdn},
	{BatchAccounts, "PreemptedNodeCount", []string{Total}, false, srcBatch},
	{BatchAccounts, "StartTaskFailedNodeCount", []string{Total}, false, srcBatch},
	{BatchAccounts, "UnusableNodeCount", []string{Total}, false, srcBatch},
	{BatchAccounts, "TaskFailEvent", []string{Total}, false, srcBatch},
	{BatchAccounts, "TotalNodeCount", []string{Total}, false, srcBatch},
	{BatchAccounts, "TotalLowPriorityNodeCount", []string{Total}, false, srcBatch},
}

// Lookup finds a metric; namespaces compare case-insensitively, as Azure
// Monitor treats them, metric names exactly.
func Lookup(namespace, name string) (Metric, bool) {
	for _, m := range Table {
		if strings.EqualFold(m.Namespace, namespace) && m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Allows reports whether the metric supports the aggregation.
func (m Metric) Allows(aggregation string) bool {
	for _, a := range m.Aggregations {
		if strings.EqualFold(a, aggregation) {
			return true
		}
	}
	return false
}

// WorkbookAggregation names the aggregation codes of a workbook metrics item
// ("MetricsItem/2.0" content.metrics[].aggregation). The workbook schema is
// not published; 1 Total (Sum), 3 Maximum and 4 Average are what published
// workbook templates use for metrics that support only those (Storage
// Transactions: Total only), 2 Minimum is the gap between them (inferred).
var WorkbookAggregation = map[int]string{1: Total, 2: Minimum, 3: Maximum, 4: Average}
