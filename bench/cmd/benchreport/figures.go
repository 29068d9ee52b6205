package main

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Phases and targets as scripts/bench.sh names them.
const (
	phaseLoad    = "realtime-load"    // many connections: throughput
	phaseLatency = "realtime-latency" // one connection: per-request overhead
	phaseBatch   = "batch"

	targetDirect      = "direct"
	targetNginx       = "nginx"
	targetRouter      = "router"
	targetGoProxy     = "go-httputil" // the standard library's proxy alone
	targetRouterProf  = "router-profiled"
	targetRawQueue    = "raw-azqueue"
	targetRouterKey   = "router-idempotent"
	targetRouterNoKey = "router-no-key"
	// The same against a baseline commit's router (BENCH_BASELINE).
	targetRouterKeyBase   = "router-idempotent-base"
	targetRouterNoKeyBase = "router-no-key-base"
)

// figure is one measurement of one target.
type figure struct {
	OpsPerSec, P50us, P99us float64
	Errors                  int
}

// key names a target in a phase.
type key struct{ Phase, Target string }

// readFigures parses the collected lines; blank lines and # comments are
// skipped.
func readFigures(in io.Reader) (map[key][]figure, error) {
	ms := map[key][]figure{}
	sc := bufio.NewScanner(in)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("line %d: want 6 tab-separated fields (phase, target, ops/s, p50, p99, errors), got %d", n, len(f))
		}
		var m figure
		var errs [4]error
		m.OpsPerSec, errs[0] = strconv.ParseFloat(f[2], 64)
		m.P50us, errs[1] = strconv.ParseFloat(f[3], 64)
		m.P99us, errs[2] = strconv.ParseFloat(f[4], 64)
		m.Errors, errs[3] = strconv.Atoi(f[5])
		for _, err := range errs {
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
		}
		k := key{f[0], f[1]}
		ms[k] = append(ms[k], m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read figures: %w", err)
	}
	return ms, nil
}

// summary is the median figure per target and how many rounds it came from.
type summary struct {
	fig    map[key]figure
	rounds map[key]int
}

// summarize takes the median of each field over the rounds: a round
// disturbed by other work on the shared cores moves it less than a mean.
func summarize(ms map[key][]figure) summary {
	s := summary{fig: map[key]figure{}, rounds: map[key]int{}}
	for k, fs := range ms {
		pick := func(get func(figure) float64) float64 {
			v := make([]float64, len(fs))
			for i, f := range fs {
				v[i] = get(f)
			}
			return median(v)
		}
		errs := 0
		for _, f := range fs {
			errs += f.Errors
		}
		s.fig[k] = figure{
			OpsPerSec: pick(func(f figure) float64 { return f.OpsPerSec }),
			P50us:     pick(func(f figure) float64 { return f.P50us }),
			P99us:     pick(func(f figure) float64 { return f.P99us }),
			Errors:    errs,
		}
		s.rounds[k] = len(fs)
	}
	return s
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if n := len(v); n%2 == 1 {
		return v[n/2]
	} else {
		return (v[n/2-1] + v[n/2]) / 2
	}
}

func (s summary) get(phase, target string) (figure, bool) {
	f, ok := s.fig[key{phase, target}]
	return f, ok
}
