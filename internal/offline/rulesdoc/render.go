// Package rulesdoc renders docs/azure-rules.md, the Azure rules the stack
// relies on that the provider schema does not show, from the tables the
// code and its tests use (internal/azure/azurenames, internal/azure/gpus,
// internal/azure/azmetrics, internal/offline/plan). A test keeps the committed document equal to Render, so
// the document cannot drift from what is checked.
package rulesdoc

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/azmetrics"
	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/azurenames"
	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/gpus"
	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/plan"
)

// Render returns the document.
func Render() string {
	var b strings.Builder
	b.WriteString(`# Azure rules the stack relies on

The azure-native provider's schema accepts any string for a name, any aggregation for a metric
alert and any change to an existing resource; Azure refuses some of them when the deployment
runs. These are the rules this repository checks before that, each with its source. This file is
generated from the tables the code and tests use; after changing one, run
` + "`go test ./internal/offline/rulesdoc -update`" + `.

`)
	names(&b)
	gpuTypes(&b)
	metrics(&b)
	updates(&b)
	roles(&b)
	return b.String()
}

func names(b *strings.Builder) {
	fmt.Fprintf(b, "## Resource names (`internal/azure/azurenames`)\n\n")
	fmt.Fprintf(b, "Checked for every resource of both stacks under some fifty stack names by `stack/names_test.go`; names\n")
	fmt.Fprintf(b, "that must be unique across Azure must also differ between stacks and resource groups. Source:\n")
	fmt.Fprintf(b, "%s, unless the rule says otherwise.\n\n", azurenames.Source)
	fmt.Fprintf(b, "| type | length | characters | unique across Azure |\n|---|---|---|---|\n")
	for _, typ := range slices.Sorted(maps.Keys(azurenames.Rules)) {
		r := azurenames.Rules[typ]
		fmt.Fprintf(b, "| `%s` | %d–%d | %s | %s |\n", typ, r.Min, r.Max, escape(r.Says), yesNo(r.Global))
	}
	b.WriteString("\n")
}

func gpuTypes(b *strings.Builder) {
	fmt.Fprintf(b, "## Serverless GPUs (`internal/azure/gpus`)\n\n")
	fmt.Fprintf(b, "A model's `gpuType` picks its app's workload profile, the whole of which one replica gets, and the GPU\n")
	fmt.Fprintf(b, "of its Batch pool. Config validation rejects a location the GPU is not documented in (unless\n")
	fmt.Fprintf(b, "`gpuRegionCheck: off`); the mandatory policy `gpu-profile-in-region` judges the plan's environment.\n")
	fmt.Fprintf(b, "Sources: %s; %s; %s.\n\n", gpus.SourceProfiles, gpus.SourceRegions, gpus.SourceVMSizes)
	fmt.Fprintf(b, "| GPU | workload profile type | GPU memory | one replica | regions | default pool VM size |\n|---|---|---|---|---|---|\n")
	for _, p := range gpus.Profiles {
		fmt.Fprintf(b, "| %s | `%s` | %d GiB | %g vCPU, %g GiB | %s | `%s` |\n", p.GPU, p.WorkloadProfileType, p.MemoryGiB,
			p.ReplicaCPU, p.ReplicaMemoryGiB, strings.Join(p.Regions, ", "), p.PoolVMSize)
	}
	b.WriteString("\n")
}

func metrics(b *strings.Builder) {
	fmt.Fprintf(b, "## Metrics and their aggregations (`internal/azure/azmetrics`)\n\n")
	fmt.Fprintf(b, "Every metric alert and workbook chart must use a metric of this table with an aggregation it\n")
	fmt.Fprintf(b, "lists (mandatory policy `metric-supported-aggregation`; stack tests). An alert on a preview metric\n")
	fmt.Fprintf(b, "sets `skipMetricValidation`.\n\n")
	fmt.Fprintf(b, "| namespace | metric | aggregations | preview | source |\n|---|---|---|---|---|\n")
	for _, m := range azmetrics.Table {
		fmt.Fprintf(b, "| `%s` | `%s` | %s | %s | %s |\n", m.Namespace, m.Name, strings.Join(m.Aggregations, ", "), yesNo(m.Preview), escape(m.Source))
	}
	b.WriteString("\n")
}

func updates(b *strings.Builder) {
	fmt.Fprintf(b, "## Changes Azure refuses or makes a replacement (`internal/offline/plan`)\n\n")
	fmt.Fprintf(b, "`gpuorch preview -against` and `stack/redeploy_test.go` judge the steps between two plans by these.\n")
	fmt.Fprintf(b, "Inputs that name where a resource lives (%s and its name) replace it everywhere\n", orAll(code(plan.ForceNewEverywhere), ""))
	fmt.Fprintf(b, "(the provider replaces on a change of a URL path parameter or the location).\n\n")
	fmt.Fprintf(b, "| type | inputs that replace it | inputs Azure updates in place (others: `PropertyCannotBeUpdated`) |\n|---|---|---|\n")
	types := map[string]bool{}
	for t := range plan.ForceNew {
		types[t] = true
	}
	for t := range plan.Updatable {
		types[t] = true
	}
	for _, t := range slices.Sorted(maps.Keys(types)) {
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", t, orAll(code(plan.ForceNew[t]), "—"), orAll(code(plan.Updatable[t]), "all"))
	}
	fmt.Fprintf(b, "\nSources: Batch pools, azure-docs batch/batch-pool-update-properties.md and Azure/Batch issues 85\n")
	fmt.Fprintf(b, "and 153 (a pool's `deploymentConfiguration` answers `PropertyCannotBeUpdated`, which is why the\n")
	fmt.Fprintf(b, "pool names no image and each task names its own); role assignments are immutable\n")
	fmt.Fprintf(b, "(azure-docs role-based-access-control/role-assignments.md).\n\n")
}

func roles(b *strings.Builder) {
	b.WriteString(`## Role assignments

- **Names are unique in the Microsoft Entra tenant**, not in the resource group: "Role assignment
  resource names must be unique within the Microsoft Entra tenant" (azure-docs
  role-based-access-control/role-assignments.md). The stack derives each name as a GUID of scope,
  principal and role (` + "`components/roles.go`" + `, as Bicep's ` + "`guid()`" + ` is used for this), so the same
  stack in another resource group or subscription gets other names, and a replaced grant gets a
  new one (` + "`deleteBeforeReplace`" + `).
- **They take up to 10 minutes to apply** (azure-docs role-based-access-control/troubleshooting.md).
  Every consumer depends on the grants it uses (mandatory policy
  ` + "`grant-consumers-depend-on-grants`" + `); the router retries Key Vault with backoff and reports not ready
  until its settings arrive (README, "Deployer rights, role assignments and the second ` + "`pulumi up`" + `").
`)
}

func code(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = "`" + s + "`"
	}
	return out
}

func orAll(items []string, none string) string {
	if len(items) == 0 {
		return none
	}
	return strings.Join(items, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// escape keeps a cell's pipes and backslashes from breaking the table.
func escape(s string) string {
	return strings.NewReplacer(`|`, `\|`).Replace(s)
}
