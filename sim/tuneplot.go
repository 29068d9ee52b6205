package sim

import (
	"fmt"
	"html"
	"strings"
)

// TunePlotSVG draws the tuner's settings as cost against missed deadlines:
// every setting grey, the Pareto frontier joined in blue, the current
// setting as an orange ring and the recommended one as a green dot.
func TunePlotSVG(rep *TuneReport, title string) string {
	const (
		w, h                     = 760, 480
		left, right, top, bottom = 70, 730, 50, 420
	)
	maxC, maxM := 0.0, 0
	for _, p := range rep.Points {
		maxC, maxM = max(maxC, p.CostUSD), max(maxM, p.Missed)
	}
	maxC, maxM = maxC*1.05+0.01, maxM+maxM/20+1
	x := func(c float64) float64 { return left + c/maxC*(right-left) }
	y := func(m int) float64 { return bottom - float64(m)/float64(maxM)*(bottom-top) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", left, html.EscapeString(title))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/><line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", left, bottom, right, bottom, left, top, left, bottom)
	for i := 0; i <= 5; i++ {
		c := maxC * float64(i) / 5
		m := maxM * i / 5
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">$%.2f</text>`+"\n", x(c), bottom+16, c)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%d</text>`+"\n", left-6, y(m)+4, m)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">cost of the trace, USD</text>`+"\n", (left+right)/2, bottom+36)
	fmt.Fprintf(&b, `<text x="16" y="%d" transform="rotate(-90 16 %d)" text-anchor="middle">missed deadlines</text>`+"\n", (top+bottom)/2, (top+bottom)/2)
	var line []string
	for _, p := range rep.Points {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#999" fill-opacity="0.6"/>`+"\n", x(p.CostUSD), y(p.Missed))
		if p.OnFrontier {
			line = append(line, fmt.Sprintf("%.1f,%.1f", x(p.CostUSD), y(p.Missed)))
		}
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1f78b4" stroke-width="2"/>`+"\n", strings.Join(line, " "))
	c, r := rep.Current, rep.Recommended
	fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="8" fill="none" stroke="#d95f02" stroke-width="2.5"/>`+"\n", x(c.CostUSD), y(c.Missed))
	fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="5" fill="#1b9e77"/>`+"\n", x(r.CostUSD), y(r.Missed))
	legend := [][2]string{{"#999", "a setting of the grid"}, {"#1f78b4", "Pareto frontier"}, {"#d95f02", fmt.Sprintf("current: $%.2f, %d missed", c.CostUSD, c.Missed)}, {"#1b9e77", fmt.Sprintf("recommended: $%.2f, %d missed", r.CostUSD, r.Missed)}}
	for i, l := range legend {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", right-250, top+i*18, l[0], right-232, top+i*18+10, html.EscapeString(l[1]))
	}
	b.WriteString("</svg>\n")
	return b.String()
}
