package main

import (
	"strings"
	"testing"
)

// Three rounds: the report must show the median, not the mean, so the round
// disturbed by other work (direct at 1000 req/s) does not move the figure.
const figures = `# phase	target	ops/s	p50	p99	errors
realtime-load	direct	1000	90	300	0
realtime-load	direct	20000	80	200	0
realtime-load	direct	21000	85	250	0
realtime-load	nginx	10000	300	900	0
realtime-load	router	12000	250	800	2
realtime-load	go-httputil	15000	200	700	0
realtime-latency	direct	9000	100	150	0
realtime-latency	router	6000	260	400	0
batch	raw-azqueue	2000	8000	20000	0
batch	router-idempotent	500	30000	90000	0
`

func TestReportMediansRatiosAndVerdict(t *testing.T) {
	var out strings.Builder
	if err := report(strings.NewReader(figures), &out, 32, 16); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"router/nginx req/s 1.20",
		"router/direct req/s 0.60", // 12000 over the median 20000
		"router/go-httputil req/s 0.80",
		"p50 over direct: router +165 µs, nginx +215 µs",
		"router-idempotent/raw-azqueue jobs/s 0.25",
		"router throughput >= nginx's: met",
		"p50 overhead over direct < 150 µs (realtime-latency): NOT met (+160 µs)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

func TestReportRejectsMalformedLines(t *testing.T) {
	err := report(strings.NewReader("realtime-load\tdirect\tfast\t1\t2\t0\n"), &strings.Builder{}, 1, 1)
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("want an error naming line 1, got %v", err)
	}
}
