package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/pricing"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/plan"
	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

func init() {
	register("preview", "offline plan of a stack: resources, policy results, cost estimate (-json; -against OTHER diffs two stacks)", runPreview)
}

// Exit codes of preview.
const (
	previewOK        = 0
	previewError     = 1 // bad flags, config or program error
	previewMandatory = 2 // the policy pack reports a mandatory violation
)

func runPreview(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stackName := fs.String("stack", "dev", "stack whose Pulumi.<stack>.yaml to plan")
	root := fs.String("root", ".", "directory holding Pulumi.yaml")
	asJSON := fs.Bool("json", false, "print the plan as one JSON document")
	against := fs.String("against", "", "print what differs from this stack's plan to OTHER's instead")
	a := pricing.DefaultAssumptions()
	fs.Float64Var(&a.LogGBPerDay, "log-gb-per-day", a.LogGBPerDay, "cost: Log Analytics ingestion per workspace, GB a day")
	fs.Float64Var(&a.RealtimeReplicaHoursPerDay, "realtime-hours", a.RealtimeReplicaHoursPerDay, "cost example: serverless GPU replica-hours a day")
	fs.Float64Var(&a.BatchNodeHoursPerDay, "batch-hours", a.BatchNodeHoursPerDay, "cost example: Batch node-hours a day")
	fs.Float64Var(&a.StorageGB, "storage-gb", a.StorageGB, "cost: blob capacity per storage account, GB")
	fs.Float64Var(&a.PrivateLinkGBPerMonth, "private-link-gb", a.PrivateLinkGBPerMonth, "cost: data through all private endpoints, GB a month (isolated stacks)")
	if err := fs.Parse(args); err != nil {
		return previewError
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gpuorch preview: unexpected arguments %q\n", fs.Args())
		return previewError
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "gpuorch preview: %v\n", err)
		return previewError
	}
	doc, err := previewStack(*root, *stackName, a)
	if err != nil {
		return fail(err)
	}
	if *against != "" {
		other, err := previewStack(*root, *against, a)
		if err != nil {
			return fail(err)
		}
		cmp := plan.Diff(doc, other)
		if *asJSON {
			if err := writeJSON(stdout, cmp); err != nil {
				return fail(err)
			}
			return previewOK
		}
		printDiff(stdout, cmp, doc, other)
		return previewOK
	}
	if *asJSON {
		if err := writeJSON(stdout, doc); err != nil {
			return fail(err)
		}
	} else {
		printTree(stdout, doc)
		printPolicy(stdout, doc.Policy)
		printCost(stdout, doc.Cost)
	}
	for _, v := range doc.Policy {
		if v.Level == check.Mandatory {
			return previewMandatory
		}
	}
	return previewOK
}

// previewStack runs the stack's program under mocks with its stack file's
// config, exactly as the tests do, and completes the plan document with the
// policy pack's results and the cost estimate.
func previewStack(root, stackName string, a pricing.Assumptions) (plan.Document, error) {
	cfg, err := mockstack.LoadStackConfig(root, stackName)
	if err != nil {
		return plan.Document{}, err
	}
	return previewConfig(cfg, a)
}

func previewConfig(cfg *mockstack.StackConfig, a pricing.Assumptions) (plan.Document, error) {
	res, err := mockstack.RunConfig(cfg, stack.Program)
	if err != nil {
		return plan.Document{}, err
	}
	settings, err := check.SettingsFor(cfg)
	if err != nil {
		return plan.Document{}, err
	}
	vs, err := check.Run(res, settings)
	if err != nil {
		return plan.Document{}, fmt.Errorf("running the policy pack: %w", err)
	}
	typed, err := typedConfig(cfg)
	if err != nil {
		return plan.Document{}, err
	}
	doc := plan.Build(res)
	for _, v := range vs {
		doc.Policy = append(doc.Policy, plan.Violation{Policy: v.Policy, Level: v.Level, URN: v.URN, Message: v.Message})
	}
	doc.Cost = pricing.Compute(plan.Footprint(doc, typed), pricing.Default(), a)
	return doc, nil
}

// typedConfig parses the stack file's values as the program does.
func typedConfig(cfg *mockstack.StackConfig) (*config.Config, error) {
	raw := map[string]string{}
	prefix := config.Namespace + ":"
	for k, v := range cfg.Values {
		if strings.HasPrefix(k, prefix) {
			raw[strings.TrimPrefix(k, prefix)] = v
		}
	}
	return config.Parse(cfg.Stack, raw)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// shortType drops the provider prefix every azure-native type shares.
func shortType(t string) string { return strings.TrimPrefix(t, "azure-native:") }

// printTree prints components with their children indented beneath them,
// each with its key settings.
func printTree(w io.Writer, doc plan.Document) {
	children := map[string][]plan.Resource{}
	urns := map[string]bool{}
	for _, r := range doc.Resources {
		children[r.Parent] = append(children[r.Parent], r)
		urns[r.URN] = true
	}
	fmt.Fprintf(w, "stack %s (project %s): %d resources\n", doc.Stack, doc.Project, len(doc.Resources))
	fmt.Fprintf(w, "by type: %s\n", countsByType(doc))
	fmt.Fprintf(w, "network: %s\n", plan.ExposureOf(doc))
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, r := range children[parent] {
			line := fmt.Sprintf("%s%s  %s", strings.Repeat("  ", depth+1), shortType(r.Type), r.Name)
			if s := plan.KeySettings(r); len(s) > 0 {
				line += "  " + strings.Join(s, " ")
			}
			fmt.Fprintln(w, line)
			walk(r.URN, depth+1)
		}
	}
	roots := map[string]bool{}
	for _, r := range doc.Resources {
		if !urns[r.Parent] && !roots[r.Parent] {
			roots[r.Parent] = true
			walk(r.Parent, 0)
		}
	}
	fmt.Fprintln(w, "outputs:")
	keys := make([]string, 0, len(doc.Outputs))
	for k := range doc.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %v\n", k, doc.Outputs[k])
	}
}

// countsByType is "type n, …", most numerous first, then by type.
func countsByType(doc plan.Document) string {
	n := map[string]int{}
	for _, r := range doc.Resources {
		n[shortType(r.Type)]++
	}
	types := make([]string, 0, len(n))
	for t := range n {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if n[types[i]] != n[types[j]] {
			return n[types[i]] > n[types[j]]
		}
		return types[i] < types[j]
	})
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%s %d", t, n[t])
	}
	return strings.Join(parts, ", ")
}

// urnName is the logical name at the end of a URN.
func urnName(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

func printPolicy(w io.Writer, vs []plan.Violation) {
	byLevel := map[string][]plan.Violation{}
	for _, v := range vs {
		byLevel[v.Level] = append(byLevel[v.Level], v)
	}
	fmt.Fprintf(w, "\npolicy: %d mandatory, %d advisory\n", len(byLevel[check.Mandatory]), len(byLevel[check.Advisory]))
	for _, level := range []string{check.Mandatory, check.Advisory} {
		if len(byLevel[level]) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s\n", level)
		for _, v := range byLevel[level] {
			fmt.Fprintf(w, "    %s  %s: %s\n", v.Policy, urnName(v.URN), v.Message)
		}
	}
}

func printCost(w io.Writer, e pricing.Estimate) {
	fmt.Fprintf(w, "\ncost estimate (%s a month of %g h; %s list prices; stack region %s)\n", e.Currency, e.HoursPerMonth, e.PriceRegion, e.Region)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  fixed")
	for _, l := range e.Fixed {
		row := fmt.Sprintf("    %s\t%s\t%s × $%s\t$%.2f", l.Item, l.Resource, qty(l.Quantity, l.Unit), price(l.UnitUSD), l.MonthlyUSD)
		if l.Note != "" {
			row += "\t" + l.Note
		}
		fmt.Fprintln(tw, row)
	}
	fmt.Fprintf(tw, "    fixed total\t\t\t$%.2f\n", e.FixedMonthlyUSD)
	tw.Flush()

	fmt.Fprintln(w, "  variable (per GPU-hour; ceiling = every allowed unit running all month)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range e.Variable {
		use := ""
		if r.InUse {
			use = "in use"
		}
		fmt.Fprintf(tw, "    %s %s\t%s\t$%.4f/GPU-hour\t%s\tmax %d %ss, ceiling $%.2f\t%s\n", r.Tier, r.GPU, r.Resource, r.PerGPUHourUSD, use, r.MaxUnits, r.Unit, r.CeilingMonthlyUSD, r.Breakdown)
	}
	tw.Flush()

	fmt.Fprintf(w, "  worked example: %s\n", e.Example.Description)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range e.Example.Lines {
		fmt.Fprintf(tw, "    %s\t%s\t%s × $%s\t$%.2f\n", l.Item, l.Resource, qty(l.Quantity, l.Unit), price(l.UnitUSD), l.MonthlyUSD)
	}
	fmt.Fprintf(tw, "    example total\t\t\t$%.2f\n", e.Example.MonthlyUSD)
	tw.Flush()

	total := fmt.Sprintf("  fixed + example: $%.2f a month", e.TotalMonthlyUSD)
	if e.BudgetUSD > 0 {
		total += fmt.Sprintf(" (%.0f%% of the stack's %.0f budget)", 100*e.TotalMonthlyUSD/e.BudgetUSD, e.BudgetUSD)
	}
	fmt.Fprintln(w, total)
	for _, u := range e.Unpriced {
		fmt.Fprintf(w, "  not priced: %s\n", u)
	}
	for _, n := range e.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "  prices: internal/azure/pricing/table.go (%d figures; -json lists each with its source and date)\n", len(e.Prices))
}

func qty(q float64, unit string) string {
	if q == float64(int64(q)) {
		return fmt.Sprintf("%d %s", int64(q), unit)
	}
	return fmt.Sprintf("%.2f %s", q, unit)
}

// price shows sub-cent unit prices with the digits they need.
func price(usd float64) string {
	switch {
	case usd == 0:
		return "0"
	case usd < 0.01:
		return fmt.Sprintf("%.6f", usd)
	default:
		return fmt.Sprintf("%.4f", usd)
	}
}

func printDiff(w io.Writer, c plan.Comparison, a, b plan.Document) {
	fmt.Fprintf(w, "plan %s → %s: %d resources → %d\n", c.From, c.To, len(a.Resources), len(b.Resources))
	// Network isolation first: what each stack leaves public.
	fmt.Fprintf(w, "network %s: %s\n", c.From, c.Exposure[0])
	fmt.Fprintf(w, "network %s: %s\n", c.To, c.Exposure[1])
	for _, kind := range []string{"removed", "added"} {
		for _, ch := range c.Changes {
			if ch.Kind == kind {
				where := c.From
				if kind == "added" {
					where = c.To
				}
				fmt.Fprintf(w, "  %s %s  %s  (only in %s)\n", map[string]string{"removed": "-", "added": "+"}[kind], shortType(ch.Type), ch.Name, where)
			}
		}
	}
	// A setting that differs the same way on several resources (location)
	// is printed once.
	type same struct{ path, from, to string }
	count := map[same]int{}
	for _, ch := range c.Changes {
		if ch.Kind == "changed" {
			count[same{ch.Path, diffValue(ch.From), diffValue(ch.To)}]++
		}
	}
	shared := map[same]bool{}
	for _, ch := range c.Changes {
		k := same{ch.Path, diffValue(ch.From), diffValue(ch.To)}
		if ch.Kind == "changed" && count[k] >= 3 && !shared[k] {
			shared[k] = true
			fmt.Fprintf(w, "  ~ %d resources  %s: %s → %s\n", count[k], k.path, k.from, k.to)
		}
	}
	last := ""
	changed := 0
	for _, ch := range c.Changes {
		if ch.Kind != "changed" {
			continue
		}
		changed++
		if shared[same{ch.Path, diffValue(ch.From), diffValue(ch.To)}] {
			continue
		}
		if k := ch.Type + " " + ch.Name; k != last {
			fmt.Fprintf(w, "  ~ %s  %s\n", shortType(ch.Type), ch.Name)
			last = k
		}
		printChange(w, ch)
	}
	deps := 0
	for _, ch := range c.Changes {
		if ch.Kind != "dependencies" {
			continue
		}
		deps++
		fmt.Fprintf(w, "  ~ %s  %s  waits for", shortType(ch.Type), ch.Name)
		for _, d := range asStrings(ch.From) {
			fmt.Fprintf(w, "  -%s", d)
		}
		for _, d := range asStrings(ch.To) {
			fmt.Fprintf(w, "  +%s", d)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d settings differ, %d resources wait for different resources; %d differences only in stack-derived names or generated ids not shown\n", changed, deps, c.NameOnly)
	fmt.Fprintf(w, "policy: %s %s, %s %s\n", c.From, policyCounts(a.Policy), c.To, policyCounts(b.Policy))
	fmt.Fprintf(w, "cost: fixed $%.2f → $%.2f a month; fixed + example $%.2f → $%.2f\n",
		a.Cost.FixedMonthlyUSD, b.Cost.FixedMonthlyUSD, a.Cost.TotalMonthlyUSD, b.Cost.TotalMonthlyUSD)
}

// printChange prints one setting; multi-line text (a formula) shows only
// the lines that differ.
func printChange(w io.Writer, ch plan.Change) {
	from, okA := ch.From.(string)
	to, okB := ch.To.(string)
	if !okA || !okB || !strings.Contains(from, "\n") || !strings.Contains(to, "\n") {
		fmt.Fprintf(w, "      %s: %s → %s\n", ch.Path, diffValue(ch.From), diffValue(ch.To))
		return
	}
	fl, tl := strings.Split(from, "\n"), strings.Split(to, "\n")
	for i := 0; i < max(len(fl), len(tl)); i++ {
		var a, b string
		if i < len(fl) {
			a = fl[i]
		}
		if i < len(tl) {
			b = tl[i]
		}
		if a != b {
			fmt.Fprintf(w, "      %s line %d: %q → %q\n", ch.Path, i+1, a, b)
		}
	}
}

func diffValue(v any) string {
	if v == nil {
		return "(absent)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func policyCounts(vs []plan.Violation) string {
	m, a := 0, 0
	for _, v := range vs {
		if v.Level == check.Mandatory {
			m++
		} else {
			a++
		}
	}
	return fmt.Sprintf("%d mandatory/%d advisory", m, a)
}

// asStrings reads a change's list of dependencies.
func asStrings(v any) []string {
	out, _ := v.([]string)
	return out
}
