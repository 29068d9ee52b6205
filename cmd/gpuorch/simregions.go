package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/sim"
)

// writeRegionsTable prints a multi-region report for people: the regions,
// then each policy's figures per region and in total, the routed policies
// with the regions isolated and with spill-over (what each region offered
// its peers and answered for them), then the decisions behind the misses
// lower-bound avoids.
func writeRegionsTable(w io.Writer, rep *sim.Report) {
	fmt.Fprintf(w, "trace %s: %d requests\nrule: %s\n", rep.Trace, rep.Requests, rep.Rule)
	for _, r := range rep.Regions {
		shift := time.Duration(r.ShiftS * float64(time.Second))
		fmt.Fprintf(w, "region %s: %s on %s from %s, %d requests\n", r.Region, r.Trace, r.GPU, shift, r.Requests)
	}
	fmt.Fprintf(w, "spill-over: a realtime request its region refuses for its deadline is offered to the other regions in turn; %g ms between two regions there and back\n", rep.RoundTripMs)
	if r := rep.Routers; r != nil {
		fmt.Fprintf(w, "routers: %d replicas in each region, requests spread %s, sharing their state: %v\n", r.Replicas, r.Spread, r.Shared)
	}
	fmt.Fprintln(w)
	allRealtime := map[string]float64{}
	for _, p := range rep.Policies {
		if p.Name == sim.AllRealtime {
			allRealtime["total"] = p.CostUSD
			for _, r := range p.Regions {
				allRealtime[r.Region] = r.CostUSD
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\tspill-over\tregion\tcost $\t/ all-realtime\tmissed\tfirst 5 min\tafter\tmissed int\tmissed def\tp99 int s\tGPU-h realtime\tGPU-h batch\tmissed, LB meets\tafter 5 min\toffered to peers\ttaken by peers\tanswered for peers\tin time\t")
	row := func(p sim.PolicyResult, spill bool, region string) {
		ratio := "-"
		if ar := allRealtime[region]; ar > 0 {
			ratio = fmt.Sprintf("%.2f", p.CostUSD/ar)
		}
		on, counts := "off", "-\t-\t-\t-"
		if spill {
			on = "on"
		}
		if s := p.Spill; s != nil {
			counts = fmt.Sprintf("%d\t%d\t%d\t%d", s.OfferedToPeers, s.TakenByPeers, s.AnsweredForPeers, s.AnsweredForPeersInTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%.2f\t%.2f\t%d\t%d\t%s\t\n", p.Name, on, region, p.CostUSD, ratio, p.Missed,
			p.MissedInStartup, p.Missed-p.MissedInStartup, p.MissedByClass["interactive"], p.MissedByClass["deferrable"], sec(p.P99, "interactive"),
			p.GPUHours["realtime"], p.GPUHours["batch"], p.MissedMetByLowerBound, p.MissedMetByLowerBound-p.MissedMetByLowerBoundStartup, counts)
	}
	for _, p := range rep.Policies {
		for _, r := range p.Regions {
			row(r, p.Spillover, r.Region)
		}
		row(p, p.Spillover, "total")
	}
	tw.Flush()
	for _, p := range rep.Policies {
		label := p.Name
		if p.Spillover {
			label += " with spill-over"
		}
		writeWhyMissed(w, label, p)
	}
}
