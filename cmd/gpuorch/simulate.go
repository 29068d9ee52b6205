package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/sim"
)

func init() {
	register("simulate", "replay an inference trace: cost and deadline misses per routing policy", runSimulate)
}

// settingFlags collects repeated -set name=value Key Vault overrides.
type settingFlags map[string]string

func (s settingFlags) String() string { return fmt.Sprint(map[string]string(s)) }
func (s settingFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want secret-name=value, e.g. batch-cost-threshold=0, got %q", v)
	}
	s[name] = value
	return nil
}

func runSimulate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	trace := fs.String("trace", "", "trace CSV with header TIMESTAMP,ContextTokens,GeneratedTokens (required)")
	policy := fs.String("policy", "", "one policy: "+strings.Join(sim.PolicyNames, ", ")+" (default: all)")
	seed := fs.Uint64("seed", 1, "seed of the deadline/mode rule and of Spot preemption")
	ruleName := fs.String("rule", sim.RuleSlowdown, "deadline derivation rule: "+sim.RuleSlowdown+" (interactive deadline = k × warm service time + 0.5 s) or "+sim.RuleUniform+" (interactive deadline uniform in 2–10 s)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	plot := fs.String("plot", "", "write an SVG plot of cost and misses per policy to this file")
	maxReplicas := fs.Int("max-replicas", 0, "inference app replica limit (default: the model's)")
	maxNodes := fs.Int("max-nodes", 0, "Batch pool node limit (default: the model's)")
	concurrency := fs.Int("concurrency", 0, "HTTP scale rule concurrentRequests per replica, the stack's inferenceConcurrency (default: the model's)")
	cooldown := fs.Duration("cooldown", -1, "scale rule cooldownPeriod, the stack's inferenceCooldownSeconds (default: the model's)")
	minReplicas := fs.Int("min-replicas", -1, "inference app minimum replicas, the stack's inferenceMinReplicas (default: the model's)")
	sets := settingFlags{}
	fs.Var(sets, "set", "router setting as its Key Vault secret, name=value (repeatable), e.g. -set batch-cost-threshold=0")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *trace == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: gpuorch simulate -trace FILE [-rule slowdown|uniform] [-policy NAME] [-seed N] [-json] [-plot FILE.svg] [-set name=value]...")
		return 2
	}
	rule, err := sim.RuleByName(*ruleName, *seed)
	if err != nil {
		fmt.Fprintf(stderr, "simulate: -rule: %v\n", err)
		return 2
	}
	rows, err := readTraceFile(*trace)
	if err != nil {
		fmt.Fprintf(stderr, "simulate: %v\n", err)
		return 1
	}
	params := sim.DefaultParams()
	if *maxReplicas > 0 {
		params.MaxReplicas = *maxReplicas
	}
	if *maxNodes > 0 {
		params.MaxNodes = *maxNodes
	}
	if *concurrency > 0 {
		params.ReplicaConcurrency = *concurrency
	}
	if *cooldown >= 0 {
		params.Cooldown = *cooldown
	}
	if *minReplicas >= 0 {
		params.MinReplicas = *minReplicas
	}
	settings, err := params.StackSettings().ApplySecrets(sets)
	if err != nil {
		fmt.Fprintf(stderr, "simulate: -set: %v\n", err)
		return 2
	}
	cfg := sim.Config{TraceName: filepath.Base(*trace), Rule: rule, Params: params, Settings: settings}
	if *policy != "" {
		cfg.Policies = []string{*policy}
	}
	rep, err := sim.Simulate(rows, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "simulate: %v\n", err)
		return 1
	}
	if *plot != "" {
		if err := os.WriteFile(*plot, []byte(sim.PlotSVG(rep)), 0o644); err != nil {
			fmt.Fprintf(stderr, "simulate: write plot: %v\n", err)
			return 1
		}
	}
	if *asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			fmt.Fprintf(stderr, "simulate: %v\n", err)
			return 1
		}
		return 0
	}
	writeTable(stdout, rep)
	return 0
}

// writeTable prints the report for people: the rule, the table, then the
// decisions behind each policy's misses that lower-bound avoids.
func writeTable(w io.Writer, rep *sim.Report) {
	fmt.Fprintf(w, "trace %s: %d requests\nrule: %s\n\n", rep.Trace, rep.Requests, rep.Rule)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\tcost $\t$/1k req\tmissed\tfirst 5 min\tafter\tmissed int\tmissed def\tp50 int s\tp99 int s\tp50 def s\tp99 def s\tGPU-h realtime\tGPU-h batch\tmissed, LB meets\tafter 5 min\t")
	for _, p := range rep.Policies {
		fmt.Fprintf(tw, "%s\t%.2f\t%.3f\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%d\t%d\t\n", p.Name, p.CostUSD, p.CostPer1K, p.Missed,
			p.MissedInStartup, p.Missed-p.MissedInStartup,
			p.MissedByClass["interactive"], p.MissedByClass["deferrable"],
			sec(p.P50, "interactive"), sec(p.P99, "interactive"), sec(p.P50, "deferrable"), sec(p.P99, "deferrable"),
			p.GPUHours["realtime"], p.GPUHours["batch"], p.MissedMetByLowerBound, p.MissedMetByLowerBound-p.MissedMetByLowerBoundStartup)
	}
	tw.Flush()
	for _, p := range rep.Policies {
		if len(p.MissedMetByLowerBoundWhy) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: misses lower-bound meets (%d, %d of them arrived in the first %s), by decision → outcome\n",
			p.Name, p.MissedMetByLowerBound, p.MissedMetByLowerBoundStartup, sim.StartupWindow)
		keys := make([]string, 0, len(p.MissedMetByLowerBoundWhy))
		for k := range p.MissedMetByLowerBoundWhy {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			a, b := p.MissedMetByLowerBoundWhy[keys[i]], p.MissedMetByLowerBoundWhy[keys[j]]
			return a > b || (a == b && keys[i] < keys[j])
		})
		for _, k := range keys {
			fmt.Fprintf(w, "  %6d  %s\n", p.MissedMetByLowerBoundWhy[k], k)
		}
	}
}

func sec(m map[string]float64, class string) string {
	v, ok := m[class]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.1f", v)
}

// readTraceFile reads a trace CSV, naming the file in errors.
func readTraceFile(path string) ([]sim.TraceRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := sim.ReadTrace(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

func secondsOf(n int) time.Duration      { return time.Duration(n) * time.Second }
func millisecondsOf(n int) time.Duration { return time.Duration(n) * time.Millisecond }
