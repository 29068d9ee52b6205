package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Targets of issue 9 (realtime) and issue 29 (batch accept against raw
// azqueue puts).
const (
	maxP50OverheadUs = 150.0
	minNoKeyRatio    = 0.8
	minKeyRatio      = 0.6
)

func writeTable(out io.Writer, s summary, conns, batchConns int) {
	rows := func(title, phase string, targets ...string) {
		fmt.Fprintf(out, "\n%s\n", title)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "target\treq/s\tp50 µs\tp99 µs\terrors\trounds\t")
		for _, t := range targets {
			if f, ok := s.get(phase, t); ok {
				fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%d\t%d\t\n", t, f.OpsPerSec, f.P50us, f.P99us, f.Errors, s.rounds[key{phase, t}])
			}
		}
		tw.Flush()
	}
	rows(fmt.Sprintf("realtime, throughput (%d connections)", conns), phaseLoad, targetDirect, targetNginx, targetGoProxy, targetRouter, targetRouterProf)
	ratios(out, s, phaseLoad)
	rows("realtime, latency (1 connection)", phaseLatency, targetDirect, targetNginx, targetGoProxy, targetRouter)
	ratios(out, s, phaseLatency)
	rows(fmt.Sprintf("batch accept (%d clients; req/s = accepted jobs/s)", batchConns), phaseBatch, targetRawQueue, targetRouterNoKey, targetRouterKey,
		targetRouterNoKeyBase, targetRouterKeyBase)
	batchRatios(out, s)
	verdict(out, s)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func ratios(out io.Writer, s summary, phase string) {
	d, okD := s.get(phase, targetDirect)
	n, okN := s.get(phase, targetNginx)
	r, okR := s.get(phase, targetRouter)
	if !okR {
		return
	}
	var parts []string
	if okN {
		parts = append(parts, "router/nginx req/s "+ratio(r.OpsPerSec, n.OpsPerSec))
	}
	if g, ok := s.get(phase, targetGoProxy); ok {
		parts = append(parts, "router/go-httputil req/s "+ratio(r.OpsPerSec, g.OpsPerSec))
	}
	if okD {
		parts = append(parts, "router/direct req/s "+ratio(r.OpsPerSec, d.OpsPerSec),
			fmt.Sprintf("p50 over direct: router %+.0f µs", r.P50us-d.P50us))
		if okN {
			parts[len(parts)-1] += fmt.Sprintf(", nginx %+.0f µs", n.P50us-d.P50us)
		}
	}
	fmt.Fprintf(out, "  %s\n", strings.Join(parts, "; "))
}

func batchRatios(out io.Writer, s summary) {
	raw, ok := s.get(phaseBatch, targetRawQueue)
	if !ok {
		return
	}
	var parts []string
	for _, t := range []string{targetRouterNoKey, targetRouterKey, targetRouterNoKeyBase, targetRouterKeyBase} {
		if f, ok := s.get(phaseBatch, t); ok {
			parts = append(parts, t+"/raw-azqueue jobs/s "+ratio(f.OpsPerSec, raw.OpsPerSec))
		}
	}
	fmt.Fprintf(out, "  %s\n", strings.Join(parts, "; "))
}

// verdict says, per target of issue 9, whether this run met it.
func verdict(out io.Writer, s summary) {
	fmt.Fprintln(out, "\ntargets")
	r, okR := s.get(phaseLoad, targetRouter)
	n, okN := s.get(phaseLoad, targetNginx)
	if okR && okN {
		fmt.Fprintf(out, "  router throughput >= nginx's: %s (router/nginx %s)\n", met(r.OpsPerSec >= n.OpsPerSec), ratio(r.OpsPerSec, n.OpsPerSec))
	}
	if raw, ok := s.get(phaseBatch, targetRawQueue); ok {
		for _, t := range []struct {
			name string
			min  float64
		}{{targetRouterNoKey, minNoKeyRatio}, {targetRouterKey, minKeyRatio}} {
			if f, ok := s.get(phaseBatch, t.name); ok && raw.OpsPerSec > 0 {
				r := f.OpsPerSec / raw.OpsPerSec
				fmt.Fprintf(out, "  %s >= %.1fx raw azqueue puts: %s (%.2f)\n", t.name, t.min, met(r >= t.min), r)
			}
		}
	}
	for _, phase := range []string{phaseLatency, phaseLoad} {
		r, okR := s.get(phase, targetRouter)
		d, okD := s.get(phase, targetDirect)
		if okR && okD {
			over := r.P50us - d.P50us
			fmt.Fprintf(out, "  p50 overhead over direct < %.0f µs (%s): %s (%+.0f µs)\n", maxP50OverheadUs, phase, met(over < maxP50OverheadUs), over)
		}
	}
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
