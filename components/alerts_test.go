package components_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/azmetrics"
)

// The alerts tier alone: every rule watches a metric of its namespace with
// an aggregation Azure offers for it (internal/azure/azmetrics), a preview metric
// skips validation so its creation does not depend on it, every rule
// notifies the action group, and the thresholds follow the arguments.
func TestAlertsUseSupportedMetricsAndNotifyTheActionGroup(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := components.NewAlerts(ctx, "alerts", &components.AlertsArgs{
			Placement: place(), ActionGroupID: pulumi.String("ag-id"),
			RouterAppID:      pulumi.String("router-id"),
			StorageAccountID: pulumi.String("st-id"), BatchAccountID: pulumi.String("ba-id"),
			QueueDepthThreshold: 2500,
		})
		return pulumi.Map{}, err
	})
	alerts := res.OfType("azure-native:insights:MetricAlert")
	if len(alerts) == 0 {
		t.Fatal("no alerts")
	}
	thresholds := map[string]float64{}
	for _, a := range alerts {
		c := a.Input("criteria.allOf").ArrayValue()[0].ObjectValue()
		ns, name, agg := c["metricNamespace"].StringValue(), c["metricName"].StringValue(), c["timeAggregation"].StringValue()
		m, ok := azmetrics.Lookup(ns, name)
		switch {
		case !ok:
			t.Errorf("%s watches %s/%s, which is not in the metrics table", a.Name, ns, name)
		case !m.Allows(agg):
			t.Errorf("%s aggregates %s by %s; Azure offers %v", a.Name, name, agg, m.Aggregations)
		}
		if skip := c["skipMetricValidation"]; ok && m.Preview && (!skip.IsBool() || !skip.BoolValue()) {
			t.Errorf("%s watches the preview metric %s without skipMetricValidation", a.Name, name)
		}
		acts := a.Input("actions").ArrayValue()
		if len(acts) != 1 || acts[0].ObjectValue()["actionGroupId"].StringValue() != "ag-id" {
			t.Errorf("%s notifies %v, want the action group", a.Name, acts)
		}
		thresholds[name] = c["threshold"].NumberValue()
	}
	if thresholds["QueueMessageCount"] != 2500 {
		t.Errorf("thresholds %v: want QueueMessageCount at 2500", thresholds)
	}
	if _, ok := thresholds["Replicas"]; ok {
		t.Error("the platform's alerts watch a model's replicas; each model has its own")
	}
}
