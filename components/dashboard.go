package components

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// DashboardArgs configures the operator dashboard.
type DashboardArgs struct {
	Placement
	// Stack names the workbook.
	Stack string
	// WorkspaceID is where the router's logs are queried.
	WorkspaceID pulumi.StringInput
	// RouterAppName filters the router's log lines.
	RouterAppName pulumi.StringInput
	// StorageAccountID, BatchAccountID and BudgetID are charted.
	StorageAccountID, BatchAccountID, BudgetID pulumi.StringInput
	// Tiles are the models' own charts (ModelDeployment.Tiles), after the
	// platform's.
	Tiles []WorkbookTile
}

// WorkbookTile is a metrics chart of one resource in the workbook.
type WorkbookTile struct {
	Title string
	// ResourceType is the metrics namespace in lower case, as workbooks
	// write it (microsoft.app/containerapps).
	ResourceType string
	ResourceID   pulumi.StringInput
	// Aggregation is a workbook aggregation code (azmetrics.WorkbookAggregation).
	Aggregation int
	Metrics     []string
}

// Dashboard is an Azure Monitor workbook for operators: routing decisions
// and their reasons, realtime latency, queue depth, Batch nodes, spend
// against the budget, and each model's replicas and GPU utilization, each
// as a chart.
type Dashboard struct {
	pulumi.ResourceState

	// WorkbookID is the workbook's resource id.
	WorkbookID pulumi.StringOutput `pulumi:"workbookId"`
	// URL opens the workbook in the Azure portal.
	URL pulumi.StringOutput `pulumi:"url"`
}

// NewDashboard declares the workbook.
func NewDashboard(ctx *pulumi.Context, name string, args *DashboardArgs, opts ...pulumi.ResourceOption) (*Dashboard, error) {
	comp := &Dashboard{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:dashboard:Dashboard", name, comp, opts...); err != nil {
		return nil, err
	}
	ids := []any{args.WorkspaceID, args.RouterAppName, args.StorageAccountID, args.BatchAccountID, args.BudgetID}
	for _, t := range args.Tiles {
		ids = append(ids, t.ResourceID)
	}
	data := pulumi.All(ids...).ApplyT(func(v []any) (string, error) {
		tileIDs := make([]string, len(args.Tiles))
		for i := range args.Tiles {
			tileIDs[i] = v[5+i].(string)
		}
		return workbookJSON(v[0].(string), v[1].(string), v[2].(string), v[3].(string), v[4].(string), args.Tiles, tileIDs)
	}).(pulumi.StringOutput)

	wb, err := insights.NewWorkbook(ctx, name+"-workbook", &insights.WorkbookArgs{
		// A workbook's name must be a GUID; derived from the stack so it is stable.
		ResourceName:      pulumi.String(stableGUID("workbook/" + args.Stack)),
		ResourceGroupName: args.ResourceGroupName,
		Location:          args.Location,
		Kind:              pulumi.String("shared"),
		Category:          pulumi.String("workbook"),
		DisplayName:       pulumi.String(fmt.Sprintf("GPU inference routing (%s)", args.Stack)),
		SourceId:          args.WorkspaceID,
		SerializedData:    data,
		Tags:              args.Tags,
	}, pulumi.Parent(comp))
	if err != nil {
		return nil, fmt.Errorf("workbook: %w", err)
	}
	comp.WorkbookID = wb.ID().ToStringOutput()
	comp.URL = pulumi.Sprintf("https://portal.azure.com/#resource%s/workbook", wb.ID())
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"workbookId": comp.WorkbookID, "url": comp.URL})
}

// routerLogs selects the router's request log lines (log/slog JSON, message
// and fields as router/config declares them) from the environment's console
// logs (resource-specific table, written by the environment's diagnostic
// setting).
var routerLogs = `ContainerAppConsoleLogs
| where ContainerAppName == '%s'
| extend e = parse_json(Log)
| where tostring(e.` + slog.MessageKey + `) == '` + routerconfig.LogInfer + `'`

// logField is the KQL for a request log field of the parsed line e.
func logField(name string) string { return "e." + name }

// workbookJSON is the workbook's content (Notebook/1.0 schema); tiles are
// charted with the resource ids resolved in tileIDs.
func workbookJSON(workspaceID, routerApp, storageID, batchID, budgetID string, tiles []WorkbookTile, tileIDs []string) (string, error) {
	logs := fmt.Sprintf(routerLogs, routerApp)
	day := map[string]any{"durationMs": 86400000}
	kql := func(title, query, chart string) map[string]any {
		return map[string]any{"type": 3, "content": map[string]any{
			"version": "KqlItem/1.0", "title": title, "query": query, "size": 0, "timeContext": day,
			"queryType": 0, "resourceType": "microsoft.operationalinsights/workspaces",
			"crossComponentResources": []string{workspaceID}, "visualization": chart,
		}}
	}
	// aggregation codes of a workbook metrics item: 1 Total (Sum), 3 Maximum,
	// 4 Average (internal/azure/azmetrics.WorkbookAggregation); each metric with
	// one it supports — Batch metrics are Total only, QueueMessageCount Average.
	metric := func(title, resourceType, resourceID string, aggregation int, metrics ...string) map[string]any {
		ms := []map[string]any{}
		for _, m := range metrics {
			ms = append(ms, map[string]any{"namespace": resourceType, "metric": resourceType + "--" + m, "aggregation": aggregation})
		}
		return map[string]any{"type": 10, "content": map[string]any{
			"version": "MetricsItem/2.0", "title": title, "size": 0, "chartType": 2, "timeContext": day,
			"resourceType": resourceType, "metricScope": 0, "resourceIds": []string{resourceID}, "metrics": ms,
		}}
	}
	budget := map[string]any{"type": 3, "content": map[string]any{
		"version": "KqlItem/1.0", "title": "Spend this month against the budget", "size": 0, "queryType": 12,
		"visualization": "barchart",
		"query": mustJSON(map[string]any{
			"version": "ARMEndpoint/1.0", "method": "GET", "path": budgetID,
			"urlParams": []map[string]string{{"key": "api-version", "value": "2023-05-01"}},
			"transformers": []map[string]any{{"type": "jsonpath", "settings": map[string]any{"columns": []map[string]string{
				{"path": "$.properties.currentSpend.amount", "columnid": "spent"},
				{"path": "$.properties.amount", "columnid": "budget"},
			}}}},
		}),
	}}
	items := []map[string]any{
		{"type": 1, "content": map[string]any{"json": "## GPU inference routing\nWhere requests go and why, how fast realtime answers, how deep the batch queue is, what runs on GPUs, and what it costs."}},
		kql("Routing decisions by route and reason", logs+"\n| summarize requests = count() by series = strcat(tostring("+logField(routerconfig.LogFieldRoute)+"), ' / ', tostring("+logField(routerconfig.LogFieldReason)+")), bin(TimeGenerated, 5m)", "timechart"),
		kql("Realtime latency (ms, p50 and p99)", logs+"\n| where tostring("+logField(routerconfig.LogFieldRoute)+") == '"+router.RouteRealtime.String()+"'\n| summarize p50 = percentile(todouble("+logField(routerconfig.LogFieldDuration)+") / 1e6, 50), p99 = percentile(todouble("+logField(routerconfig.LogFieldDuration)+") / 1e6, 99) by bin(TimeGenerated, 5m)", "timechart"),
		kql("Requests by front door (path)", logs+"\n| summarize requests = count() by door = tostring("+logField(routerconfig.LogFieldPath)+"), bin(TimeGenerated, 5m)", "timechart"),
		kql("Outcomes", logs+"\n| summarize requests = count() by outcome = tostring("+logField(routerconfig.LogFieldOutcome)+")", "piechart"),
		metric("Work queue depth", "microsoft.storage/storageaccounts/queueservices", storageID+"/queueServices/default", 4, "QueueMessageCount"),
		metric("Batch nodes", "microsoft.batch/batchaccounts", batchID, 1, "TotalLowPriorityNodeCount", "TotalNodeCount", "PreemptedNodeCount"),
		budget,
	}
	for i, t := range tiles {
		items = append(items, metric(t.Title, t.ResourceType, tileIDs[i], t.Aggregation, t.Metrics...))
	}
	doc := map[string]any{"version": "Notebook/1.0", "items": items, "fallbackResourceIds": []string{workspaceID}}
	b, err := json.Marshal(doc)
	return string(b), err
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
