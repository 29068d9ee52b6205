package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/sim"
)

// modelFlag is one -model NAME=TRACE[,gpu=T4|A100]: a model of the replay,
// the trace of its traffic and its GPU (T4, the stack's default, unless
// given).
type modelFlag struct {
	name, trace, gpu string
}

// modelFlags collects repeated -model flags.
type modelFlags []modelFlag

func (m *modelFlags) String() string { return fmt.Sprint(*m) }
func (m *modelFlags) Set(v string) error {
	name, trace, opts, err := cutSpec(v, "NAME=TRACE[,gpu=T4|A100]")
	if err != nil {
		return err
	}
	f := modelFlag{name: name, trace: trace, gpu: "T4"}
	for _, kv := range opts {
		k, val, _ := strings.Cut(kv, "=")
		if k != "gpu" {
			return fmt.Errorf("%s: unknown option %q; want gpu=T4|A100", name, kv)
		}
		g, err := sim.GPUByName(val)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		f.gpu = g.Name
	}
	*m = append(*m, f)
	return nil
}

// cutSpec splits a NAME=TRACE[,OPTION...] flag value; usage is its form,
// for the error.
func cutSpec(v, usage string) (name, trace string, opts []string, err error) {
	name, rest, ok := strings.Cut(v, "=")
	if !ok || name == "" || rest == "" {
		return "", "", nil, fmt.Errorf("want %s, got %q", usage, v)
	}
	parts := strings.Split(rest, ",")
	return name, parts[0], parts[1:], nil
}

// regionFlag is one -region NAME=TRACE[,shift=D][,gpu=T4|A100][,max-replicas=N]:
// a region of the replay, serving the model on its GPU (T4 unless given)
// for the callers of its trace, whose first request comes shift after the
// replay's first instant, with at most maxReplicas replicas when given (the
// serverless GPU quota is the region's).
type regionFlag struct {
	name, trace, gpu string
	shift            time.Duration
	maxReplicas      int
}

// regionFlags collects repeated -region flags.
type regionFlags []regionFlag

func (r *regionFlags) String() string { return fmt.Sprint(*r) }
func (r *regionFlags) Set(v string) error {
	name, trace, opts, err := cutSpec(v, "NAME=TRACE[,shift=D][,gpu=T4|A100][,max-replicas=N]")
	if err != nil {
		return err
	}
	f := regionFlag{name: name, trace: trace, gpu: "T4"}
	for _, kv := range opts {
		k, val, _ := strings.Cut(kv, "=")
		switch k {
		case "shift":
			d, err := time.ParseDuration(val)
			if err != nil || d < 0 {
				return fmt.Errorf("%s: shift=%q: want a duration of 0 or more, e.g. 30m", name, val)
			}
			f.shift = d
		case "gpu":
			g, err := sim.GPUByName(val)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			f.gpu = g.Name
		case "max-replicas":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return fmt.Errorf("%s: max-replicas=%q: want a whole number of 1 or more", name, val)
			}
			f.maxReplicas = n
		default:
			return fmt.Errorf("%s: unknown option %q; want shift=D, gpu=T4|A100 or max-replicas=N", name, kv)
		}
	}
	*r = append(*r, f)
	return nil
}

// canaryFlag is one -canary: the model it belongs to ("" for the only one)
// and the canary.
type canaryFlag struct {
	model  string
	canary sim.Canary
}

// canaryFlags collects repeated -canary flags.
type canaryFlags []canaryFlag

func (c *canaryFlags) String() string { return fmt.Sprint(*c) }

// Set reads [model=NAME,]weight=W[,slower=X][,fail=F] and, optionally, the
// rollback thresholds as MODELS names them (max-error-ratio,
// latency-percentile, max-latency-ratio, min-requests, window).
func (c *canaryFlags) Set(v string) error {
	f := canaryFlag{canary: sim.Canary{Slower: 1, Rollback: sim.DefaultRollback()}}
	rb := &f.canary.Rollback
	for _, kv := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("want key=value pairs, got %q", kv)
		}
		var err error
		switch k {
		case "model":
			f.model = val
		case "weight":
			f.canary.Weight, err = strconv.Atoi(val)
		case "slower":
			f.canary.Slower, err = strconv.ParseFloat(val, 64)
		case "fail":
			f.canary.FailShare, err = strconv.ParseFloat(val, 64)
		case "max-error-ratio":
			rb.MaxErrorRatio, err = strconv.ParseFloat(val, 64)
		case "latency-percentile":
			rb.LatencyPercentile, err = strconv.ParseFloat(val, 64)
		case "max-latency-ratio":
			rb.MaxLatencyRatio, err = strconv.ParseFloat(val, 64)
		case "min-requests":
			rb.MinRequests, err = strconv.Atoi(val)
		case "window":
			var d time.Duration
			d, err = time.ParseDuration(val)
			rb.WindowSeconds = int(d / time.Second)
		default:
			return fmt.Errorf("unknown key %q; want model, weight, slower, fail, max-error-ratio, latency-percentile, max-latency-ratio, min-requests, window", k)
		}
		if err != nil {
			return fmt.Errorf("%s=%q: %w", k, val, err)
		}
	}
	if f.canary.Weight == 0 {
		return fmt.Errorf("weight is missing: the canary's percent of the model's traffic, e.g. weight=10")
	}
	*c = append(*c, f)
	return nil
}
