package rules

import (
	"encoding/json"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/azmetrics"
)

// metricPolicies judge metric alerts and workbook charts against the table
// of metrics and aggregations Azure Monitor supports (internal/azure/azmetrics):
// an alert with an aggregation its metric lacks fails to create, and a chart
// of a metric that does not exist stays empty.
func metricPolicies() []policyx.Policy {
	return []policyx.Policy{
		resourceRule{
			name: "metric-supported-aggregation",
			description: "Every metric alert criterion and every workbook metrics chart names a metric of the table " +
				"(internal/azure/azmetrics, from Azure's supported-metrics reference) with an aggregation that metric supports; " +
				"alerts on preview metrics skip metric validation.",
			level: mandatory,
			types: []string{"insights:MetricAlert", "insights:Workbook"},
			check: func(t target, report func(string, ...any)) {
				if typeIs(t.Type, "insights:MetricAlert") {
					checkAlert(t, report)
					return
				}
				checkWorkbook(t, report)
			},
		}.policy(),
	}
}

func checkAlert(t target, report func(string, ...any)) {
	for _, c := range get(t.Props, "criteria", "allOf").items() {
		ns, okNS := getValue(c, "metricNamespace").str()
		name, okName := getValue(c, "metricName").str()
		agg, okAgg := getValue(c, "timeAggregation").str()
		if !okNS || !okName || !okAgg {
			continue // unknown until the deployment runs
		}
		m, ok := azmetrics.Lookup(ns, name)
		switch {
		case !ok:
			report("metric alert %q: %s has no metric %q in the supported-metrics table: use a metric Azure publishes for %s (internal/azure/azmetrics lists them with sources)", t.Name, ns, name, ns)
		case !m.Allows(agg):
			report("metric alert %q: %s/%s supports %s, not %s: Azure Monitor rejects the rule", t.Name, ns, name, strings.Join(m.Aggregations, ", "), agg)
		case m.Preview:
			if skip, _ := getValue(c, "skipMetricValidation").boolean(); !skip {
				report("metric alert %q: %s/%s is a preview metric: set skipMetricValidation so the rule is created whether or not the metric is emitted", t.Name, ns, name)
			}
		}
	}
}

// workbookDoc is the part of a workbook's serializedData the rule reads.
type workbookDoc struct {
	Items []struct {
		Type    int `json:"type"`
		Content struct {
			Title   string `json:"title"`
			Metrics []struct {
				Namespace   string `json:"namespace"`
				Metric      string `json:"metric"`
				Aggregation int    `json:"aggregation"`
			} `json:"metrics"`
		} `json:"content"`
	} `json:"items"`
}

// workbookMetricsItem is the item type of a metrics chart.
const workbookMetricsItem = 10

func checkWorkbook(t target, report func(string, ...any)) {
	data, ok := get(t.Props, "serializedData").str()
	if !ok {
		return
	}
	var doc workbookDoc
	if err := json.Unmarshal([]byte(data), &doc); err != nil {
		report("workbook %q: serializedData is not JSON: %v", t.Name, err)
		return
	}
	for _, it := range doc.Items {
		if it.Type != workbookMetricsItem {
			continue
		}
		for _, m := range it.Content.Metrics {
			_, name, found := strings.Cut(m.Metric, "--")
			if !found {
				report("workbook %q chart %q: metric %q is not \"<namespace>--<metric>\"", t.Name, it.Content.Title, m.Metric)
				continue
			}
			agg, known := azmetrics.WorkbookAggregation[m.Aggregation]
			def, listed := azmetrics.Lookup(m.Namespace, name)
			switch {
			case !listed:
				report("workbook %q chart %q: %s has no metric %q in the supported-metrics table", t.Name, it.Content.Title, m.Namespace, name)
			case !known:
				report("workbook %q chart %q: aggregation code %d is not one of %v", t.Name, it.Content.Title, m.Aggregation, azmetrics.WorkbookAggregation)
			case !def.Allows(agg):
				report("workbook %q chart %q: %s supports %s, not %s (code %d)", t.Name, it.Content.Title, name, strings.Join(def.Aggregations, ", "), agg, m.Aggregation)
			}
		}
	}
}
