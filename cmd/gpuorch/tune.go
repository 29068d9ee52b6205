package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/sim"
)

func init() {
	register("tune", "replay a trace under a grid of a stack's scale and routing settings: Pareto frontier and recommended `pulumi config set`", runTune)
}

func runTune(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	trace := fs.String("trace", "", "trace CSV with header TIMESTAMP,ContextTokens,GeneratedTokens (required)")
	stackName := fs.String("stack", "", "stack whose Pulumi.<stack>.yaml gives the current setting (required)")
	root := fs.String("root", ".", "directory holding Pulumi.yaml and the stack files")
	seed := fs.Uint64("seed", 1, "seed of the deadline/mode rule and of Spot preemption")
	ruleName := fs.String("rule", sim.RuleSlowdown, "deadline derivation rule: "+sim.RuleSlowdown+" or "+sim.RuleUniform)
	maxReplicas := fs.Int("max-replicas", 0, "replay with this inference replica limit instead of the stack's inferenceMaxReplicas")
	maxNodes := fs.Int("max-nodes", 0, "take this as the current batchMaxNodes instead of the stack's")
	plot := fs.String("plot", "", "write the frontier plot (SVG) to this file")
	scaleToZero := fs.Bool("scale-to-zero", false, "search only settings without warm replicas (inferenceMinReplicas 0): a replay prices warm replicas for its span only, a deployment for every hour")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *trace == "" || *stackName == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: gpuorch tune -trace FILE -stack NAME [-seed N] [-max-replicas N] [-max-nodes N] [-scale-to-zero] [-plot FILE.svg] [-json]")
		return 2
	}
	rule, err := sim.RuleByName(*ruleName, *seed)
	if err != nil {
		fmt.Fprintf(stderr, "tune: -rule: %v\n", err)
		return 2
	}
	stackCfg, err := mockstack.LoadStackConfig(*root, *stackName)
	if err != nil {
		fmt.Fprintf(stderr, "tune: %v\n", err)
		return 1
	}
	cfg, err := typedConfig(stackCfg)
	if err != nil {
		fmt.Fprintf(stderr, "tune: stack %s: %v\n", *stackName, err)
		return 1
	}
	// The stack's default model (the single model of a single-model stack).
	m := cfg.Models[0]
	if m.GPU != config.GPUT4 {
		fmt.Fprintf(stderr, "tune: stack %s: the default model %s has gpuType %s; the simulator models the T4 profile (Consumption-GPU-NC8as-T4 and Standard_NC4as_T4_v3) only, so its figures would not apply\n", *stackName, m.Name, m.GPU)
		return 1
	}
	rows, err := readTraceFile(*trace)
	if err != nil {
		fmt.Fprintf(stderr, "tune: %v\n", err)
		return 1
	}
	params := sim.DefaultParams()
	params.MaxReplicas = m.App.MaxReplicas
	if *maxReplicas > 0 {
		params.MaxReplicas = *maxReplicas
	}
	params.ColdStart = secondsOf(m.ColdStartSeconds)
	cur := sim.StackSetting{
		Concurrency:        m.App.Concurrency,
		CooldownSeconds:    m.App.CooldownSeconds,
		MinReplicas:        m.App.MinReplicas,
		BatchMaxNodes:      m.MaxBatchNodes,
		BatchCostThreshold: cfg.Routing.BatchCostThreshold,
	}
	if *maxNodes > 0 {
		cur.BatchMaxNodes = *maxNodes
	}
	base := params.StackSettings()
	base.RealtimeThreshold = millisecondsOf(cfg.Routing.RealtimeThresholdMs)
	base.ColdStart = params.ColdStart
	grid := sim.GridAround(cur)
	if *scaleToZero {
		grid.MinReplicas = []int{0}
	}
	rep, err := sim.Tune(rows, rule, params, base, cur, grid, runtime.GOMAXPROCS(0))
	if err != nil {
		fmt.Fprintf(stderr, "tune: %v\n", err)
		return 1
	}
	title := fmt.Sprintf("%s, stack %s, seed %d: %d settings", filepath.Base(*trace), *stackName, *seed, len(rep.Points))
	if *plot != "" {
		if err := os.WriteFile(*plot, []byte(sim.TunePlotSVG(rep, title)), 0o644); err != nil {
			fmt.Fprintf(stderr, "tune: write plot: %v\n", err)
			return 1
		}
	}
	if *asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			fmt.Fprintf(stderr, "tune: %v\n", err)
			return 1
		}
		return 0
	}
	writeTune(stdout, rep, title, *stackName, params.MaxReplicas)
	return 0
}

func writeTune(w io.Writer, rep *sim.TuneReport, title, stack string, maxReplicas int) {
	fmt.Fprintf(w, "%s (inference replicas at most %d)\n\nPareto frontier (cost, missed deadlines; after the first %s in brackets):\n", title, maxReplicas, sim.StartupWindow)
	// Settings with the same figures print once: the first, and how many
	// more tie with it (points are sorted by cost, then misses).
	var last *sim.TunePoint
	ties := 0
	flush := func() {
		if ties > 0 {
			fmt.Fprintf(w, "             (and %d more with the same figures)\n", ties)
		}
		ties = 0
	}
	for i := range rep.Points {
		p := &rep.Points[i]
		if !p.OnFrontier {
			continue
		}
		if last != nil && last.CostUSD == p.CostUSD && last.Missed == p.Missed {
			ties++
			continue
		}
		flush()
		fmt.Fprintf(w, "  $%7.2f  %5d (%5d)  %s\n", p.CostUSD, p.Missed, p.MissedAfterStartup, describeSetting(p.Setting))
		last = p
	}
	flush()
	c, r := rep.Current, rep.Recommended
	fmt.Fprintf(w, "\ncurrent:     $%.2f, %d missed (%d after the first %s)  %s\n", c.CostUSD, c.Missed, c.MissedAfterStartup, sim.StartupWindow, describeSetting(c.Setting))
	fmt.Fprintf(w, "recommended: $%.2f, %d missed (%d after the first %s)  %s\n", r.CostUSD, r.Missed, r.MissedAfterStartup, sim.StartupWindow, describeSetting(r.Setting))
	if r.Setting == c.Setting {
		fmt.Fprintln(w, "\nThe current setting is the recommended one: nothing to change.")
		return
	}
	fmt.Fprintf(w, "\nTo apply it (%.0f%% of the current cost, %+d missed deadlines):\n", 100*r.CostUSD/max(c.CostUSD, 1e-9), r.Missed-c.Missed)
	cv := c.Setting.ConfigValues()
	for i, kv := range r.Setting.ConfigValues() {
		if kv[1] != cv[i][1] {
			fmt.Fprintf(w, "  pulumi config set --stack %s %s:%s %s\n", stack, config.Namespace, kv[0], kv[1])
		}
	}
	if r.MinReplicasMonthUSD > c.MinReplicasMonthUSD {
		// The replay starts cold and prices minimum replicas for its span
		// only; a deployment keeps them up every hour.
		what, them := fmt.Sprintf("%d minimum replicas run", r.Setting.MinReplicas), "them"
		if r.Setting.MinReplicas == 1 {
			what, them = "minimum replica runs", "it"
		}
		fmt.Fprintf(w, "\nNote: its %s all month, about $%.0f a month at the active rate whatever the traffic;\nthe replay priced %s for the trace's span only, and warm from its start.\n",
			what, r.MinReplicasMonthUSD, them)
	}
}

func describeSetting(s sim.StackSetting) string {
	return fmt.Sprintf("concurrency %d, cooldown %ds, min replicas %d, batch max nodes %d, batch cost threshold %g",
		s.Concurrency, s.CooldownSeconds, s.MinReplicas, s.BatchMaxNodes, s.BatchCostThreshold)
}
