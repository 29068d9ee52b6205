package sim

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// PlotSVG draws two bar charts side by side: each policy's cost (realtime
// and batch stacked) and its deadline misses (interactive and deferrable
// stacked), with the rule underneath, so a reader sees the trade-off at a
// glance.
func PlotSVG(rep *Report) string {
	const (
		w, h          = 960, 440
		panelW        = 420
		top, bottom   = 60, 330
		leftA, leftB  = 60, 540
		barGap        = 0.3
		rtColor       = "#d95f02"
		batchColor    = "#1b9e77"
		interColor    = "#7570b3"
		deferralColor = "#e7298a"
	)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">%s — %d requests</text>`+"\n", leftA, html.EscapeString(rep.Trace), rep.Requests)

	type seg struct {
		v     float64
		color string
	}
	panel := func(left int, title, unit string, legend [][2]string, bars func(PolicyResult) []seg) {
		maxV := 0.0
		for _, p := range rep.Policies {
			s := 0.0
			for _, x := range bars(p) {
				s += x.v
			}
			maxV = math.Max(maxV, s)
		}
		if maxV == 0 {
			maxV = 1
		}
		fmt.Fprintf(&b, `<text x="%d" y="46" font-size="13" font-weight="bold">%s</text>`+"\n", left, html.EscapeString(title))
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", left, bottom, left+panelW, bottom)
		n := len(rep.Policies)
		slot := float64(panelW) / float64(max(n, 1))
		for i, p := range rep.Policies {
			x := float64(left) + float64(i)*slot + slot*barGap/2
			bw := slot * (1 - barGap)
			y := float64(bottom)
			total := 0.0
			for _, s := range bars(p) {
				hgt := s.v / maxV * float64(bottom-top)
				y -= hgt
				total += s.v
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", x, y, bw, hgt, s.color)
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x+bw/2, y-4, fmtValue(total, unit))
			label := p.Name
			if p.Spillover {
				label += "+spill" // the same policy, several regions spilling over
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="11">%s</text>`+"\n", x+bw/2, bottom+16, html.EscapeString(label))
		}
		for i, l := range legend {
			lx := left + i*140
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", lx, bottom+30, l[1], lx+14, bottom+39, html.EscapeString(l[0]))
		}
	}
	panel(leftA, "Cost (USD)", "$", [][2]string{{"realtime replicas", rtColor}, {"batch nodes", batchColor}}, func(p PolicyResult) []seg {
		return []seg{{p.CostByPath["realtime"], rtColor}, {p.CostByPath["batch"], batchColor}}
	})
	panel(leftB, "Deadline misses (requests)", "", [][2]string{{"interactive", interColor}, {"deferrable", deferralColor}}, func(p PolicyResult) []seg {
		return []seg{{float64(p.MissedByClass[Interactive.String()]), interColor}, {float64(p.MissedByClass[Deferrable.String()]), deferralColor}}
	})
	// The rule, wrapped, because every figure must be read with it.
	for i, line := range wrap("Rule: "+rep.Rule, 150) {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" fill="#444">%s</text>`+"\n", leftA, bottom+62+i*13, html.EscapeString(line))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func fmtValue(v float64, unit string) string {
	if unit == "$" {
		return fmt.Sprintf("$%.2f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = word
			continue
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
