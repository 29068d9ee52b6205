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

	"github.com/gpu-orchestration/gpu-orchestration/router/config"
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
	trace := fs.String("trace", "", "trace CSV with header TIMESTAMP,ContextTokens,GeneratedTokens: one model's traffic (or -model)")
	var modelSpecs modelFlags
	fs.Var(&modelSpecs, "model", "a model of the replay, NAME=TRACE[,gpu=T4|A100] (repeatable, instead of -trace): each its own app, live state and micro-batches on the pool of its GPU; the traces start together")
	policy := fs.String("policy", "", "one policy: "+strings.Join(sim.PolicyNames, ", ")+" (default: all)")
	seed := fs.Uint64("seed", 1, "seed of the deadline/mode rule, of Spot preemption, of a random spread and of canary failures")
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
	routers := fs.Int("routers", 1, "router replicas the requests are spread over")
	spread := fs.String("spread", sim.SpreadRoundRobin, "how the ingress spreads requests over router replicas: "+sim.SpreadRoundRobin+" or "+sim.SpreadRandom+" (seeded)")
	fleetSync := fs.Duration("fleet-sync", config.Default().FleetSync, "FLEET_SYNC_INTERVAL: how often router replicas share their live state; 0: each replica alone, doing every duty itself")
	var regionSpecs regionFlags
	fs.Var(&regionSpecs, "region", "a region of the replay, NAME=TRACE[,shift=D][,gpu=T4|A100][,max-replicas=N] (repeatable, two or more, instead of -trace): each its own stack serving the model for its trace's callers, starting shift later; the routed policies are replayed with the regions isolated and with spill-over")
	roundTrip := fs.Duration("rtt", sim.DefaultRoundTrip, "round trip between two regions (-region): a request offered to a peer region and its answer each take half")
	var canaries canaryFlags
	fs.Var(&canaries, "canary", "a canary revision of a model, [model=NAME,]weight=PERCENT[,slower=FACTOR][,fail=SHARE] with rollback thresholds [,max-error-ratio=0.05,latency-percentile=95,max-latency-ratio=1.5,min-requests=20,window=60s] (repeatable, one per model)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	inputs := 0
	for _, given := range []bool{*trace != "", len(modelSpecs) > 0, len(regionSpecs) > 0} {
		if given {
			inputs++
		}
	}
	if inputs != 1 || len(regionSpecs) == 1 || (len(regionSpecs) > 0 && len(canaries) > 0) || *routers < 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: gpuorch simulate (-trace FILE | -model NAME=FILE[,gpu=A100]... | -region NAME=FILE[,shift=D][,gpu=A100][,max-replicas=N] -region ... [-rtt D]) [-rule slowdown|uniform] [-policy NAME] [-seed N] [-json] [-plot FILE.svg] [-set name=value]... [-routers N] [-spread round-robin|random] [-fleet-sync D] [-canary weight=10,slower=1.5,fail=0.2]... (-canary not with -region)")
		return 2
	}
	if *trace != "" {
		modelSpecs = modelFlags{{name: "model", trace: *trace, gpu: "T4"}}
	}
	rule, err := sim.RuleByName(*ruleName, *seed)
	if err != nil {
		fmt.Fprintf(stderr, "simulate: -rule: %v\n", err)
		return 2
	}
	// model is a model on the stack's defaults, with the scale flags and
	// the router settings given, which apply to every model and region, and
	// a region's own replica limit.
	model := func(spec modelFlag, regionMaxReplicas int) (sim.Model, int) {
		m, code := simModel(spec, stderr)
		if code != 0 {
			return m, code
		}
		params := m.Params
		if *maxReplicas > 0 {
			params.MaxReplicas = *maxReplicas
		}
		if regionMaxReplicas > 0 {
			params.MaxReplicas = regionMaxReplicas
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
		m.Params = params
		if m.Settings, err = params.StackSettings().ApplySecrets(sets); err != nil {
			fmt.Fprintf(stderr, "simulate: -set: %v\n", err)
			return m, 2
		}
		return m, 0
	}
	cfg := sim.Config{Rule: rule, Routers: sim.Routers{Replicas: *routers, Spread: *spread, Sync: *fleetSync}, RoundTrip: *roundTrip}
	for _, spec := range modelSpecs {
		m, code := model(spec, 0)
		if code != 0 {
			return code
		}
		cfg.Models = append(cfg.Models, m)
	}
	for _, r := range regionSpecs {
		m, code := model(modelFlag{name: "model", trace: r.trace, gpu: r.gpu}, r.maxReplicas)
		if code != 0 {
			return code
		}
		cfg.Regions = append(cfg.Regions, sim.Region{Name: r.name, Model: m, Shift: r.shift})
	}
	if code := attachCanaries(cfg.Models, canaries, stderr); code != 0 {
		return code
	}
	if *policy != "" {
		cfg.Policies = []string{*policy}
	}
	rep, err := sim.Simulate(cfg)
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
	if len(rep.Regions) > 0 {
		writeRegionsTable(stdout, rep)
		return 0
	}
	writeTable(stdout, rep)
	return 0
}

// simModel reads a model's trace and puts it on its GPU with the stack's
// defaults.
func simModel(spec modelFlag, stderr io.Writer) (sim.Model, int) {
	rows, err := readTraceFile(spec.trace)
	if err != nil {
		fmt.Fprintf(stderr, "simulate: %v\n", err)
		return sim.Model{}, 1
	}
	g, err := sim.GPUByName(spec.gpu)
	if err != nil {
		fmt.Fprintf(stderr, "simulate: -model %s: %v\n", spec.name, err)
		return sim.Model{}, 2
	}
	return sim.Model{Name: spec.name, Trace: filepath.Base(spec.trace), Rows: rows, Params: sim.DefaultParams().OnGPU(g)}, 0
}

// attachCanaries gives each -canary to its model: the one named, or the
// only one.
func attachCanaries(ms []sim.Model, cs canaryFlags, stderr io.Writer) int {
	for _, c := range cs {
		i := -1
		for k, m := range ms {
			if m.Name == c.model || (c.model == "" && len(ms) == 1) {
				i = k
			}
		}
		switch {
		case i < 0 && c.model == "":
			fmt.Fprintln(stderr, "simulate: -canary: name its model (model=NAME) when there are several")
			return 2
		case i < 0:
			fmt.Fprintf(stderr, "simulate: -canary: no model %q\n", c.model)
			return 2
		case ms[i].Canary != nil:
			fmt.Fprintf(stderr, "simulate: -canary: model %s has a canary already; one per model\n", ms[i].Name)
			return 2
		}
		canary := c.canary
		ms[i].Canary = &canary
	}
	return 0
}

// writeTable prints the report for people: the rule, the table (with each
// model's rows and the fleet's when there are several, and each model's
// cost against its all-realtime cost), the canaries, then the decisions
// behind each policy's misses that lower-bound avoids.
func writeTable(w io.Writer, rep *sim.Report) {
	fmt.Fprintf(w, "trace %s: %d requests\nrule: %s\n", rep.Trace, rep.Requests, rep.Rule)
	for _, m := range rep.Models {
		fmt.Fprintf(w, "model %s: %s on %s, %d requests\n", m.Name, m.Trace, m.GPU, m.Requests)
	}
	if r := rep.Routers; r != nil {
		how := fmt.Sprintf("sharing their live state every %gs, one leading the dispatcher, keep-warm and the canary analysis", r.SyncS)
		if !r.Shared {
			how = "each alone: its own live state, dispatcher, keep-warm and canary analysis"
		}
		fmt.Fprintf(w, "routers: %d replicas, requests spread %s, %s\n", r.Replicas, r.Spread, how)
	}
	fmt.Fprintln(w)
	several := len(rep.Models) > 1
	allRealtime := map[string]float64{}
	for _, p := range rep.Policies {
		if p.Name == sim.AllRealtime {
			allRealtime[""] = p.CostUSD
			for _, m := range p.Models {
				allRealtime[m.Model] = m.CostUSD
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "policy\t"
	if several {
		head += "model\t"
	}
	fmt.Fprintln(tw, head+"cost $\t/ all-realtime\t$/1k req\tmissed\tfirst 5 min\tafter\tmissed int\tmissed def\tp50 int s\tp99 int s\tp50 def s\tp99 def s\tGPU-h realtime\tGPU-h batch\tmissed, LB meets\tafter 5 min\t")
	row := func(p sim.PolicyResult, model string) {
		cells := p.Name + "\t"
		if several {
			cells += model + "\t"
		}
		ratio := "-"
		if ar := allRealtime[p.Model]; ar > 0 {
			ratio = fmt.Sprintf("%.2f", p.CostUSD/ar)
		}
		fmt.Fprintf(tw, "%s%.2f\t%s\t%.3f\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%d\t%d\t\n", cells, p.CostUSD, ratio, p.CostPer1K, p.Missed,
			p.MissedInStartup, p.Missed-p.MissedInStartup,
			p.MissedByClass["interactive"], p.MissedByClass["deferrable"],
			sec(p.P50, "interactive"), sec(p.P99, "interactive"), sec(p.P50, "deferrable"), sec(p.P99, "deferrable"),
			p.GPUHours["realtime"], p.GPUHours["batch"], p.MissedMetByLowerBound, p.MissedMetByLowerBound-p.MissedMetByLowerBoundStartup)
	}
	for _, p := range rep.Policies {
		for _, m := range p.Models {
			row(m, m.Model)
		}
		row(p, "fleet")
	}
	tw.Flush()
	for _, p := range rep.Policies {
		for _, c := range p.Canaries {
			writeCanary(w, p.Name, c)
		}
	}
	for _, p := range rep.Policies {
		writeWhyMissed(w, p.Name, p)
	}
}

// writeWhyMissed lists the decisions behind p's misses that lower-bound
// meets, most frequent first.
func writeWhyMissed(w io.Writer, label string, p sim.PolicyResult) {
	if len(p.MissedMetByLowerBoundWhy) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s: misses lower-bound meets (%d, %d of them arrived in the first %s), by decision → outcome\n",
		label, p.MissedMetByLowerBound, p.MissedMetByLowerBoundStartup, sim.StartupWindow)
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

// writeCanary says when a canary was rolled back and what its model's
// users saw before and after.
func writeCanary(w io.Writer, policy string, c sim.CanaryResult) {
	rb := c.Rollback
	fmt.Fprintf(w, "\n%s: canary of %s, weight %d%%, %gx model time, %g%% of answers failing; rollback above %g error ratio or %gx stable's p%g latency, at least %d requests in %ds\n",
		policy, c.Model, c.Weight, c.Slower, 100*c.FailShare, rb.MaxErrorRatio, rb.MaxLatencyRatio, rb.LatencyPercentile, rb.MinRequests, rb.WindowSeconds)
	if c.RolledBackS < 0 {
		fmt.Fprintf(w, "  never rolled back; %d requests went to it\n", c.Requests)
	} else {
		every := fmt.Sprintf("every router replica by %.1f s", c.AllReplicasS)
		if c.AllReplicasS < 0 {
			every = "not by every router replica"
		}
		fmt.Fprintf(w, "  rolled back at %.1f s (%s): %s\n", c.RolledBackS, every, c.Reason)
		fmt.Fprintf(w, "  %d requests went to it, %d of them after the rollback\n", c.Requests, c.RequestsAfter)
	}
	fmt.Fprintf(w, "  its failed answers %d, retried on stable %d (%d answered in time); its failed batch lines %d\n", c.FailedCalls, c.Retried, c.RetriedInTime, c.FailedJobLines)
	fmt.Fprintf(w, "  the callers the split gave it: %d errors, %d missed of %d requests\n", c.Callers.Errors, c.Callers.Missed, c.Callers.Requests)
	fmt.Fprintf(w, "  %s's users before: %d requests, %d errors, %d missed; after: %d requests, %d errors, %d missed\n",
		c.Model, c.Before.Requests, c.Before.Errors, c.Before.Missed, c.After.Requests, c.After.Errors, c.After.Missed)
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
