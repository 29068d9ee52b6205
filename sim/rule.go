package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Class is what kind of caller sent a request: it decides the deadline.
type Class uint8

const (
	// Interactive callers wait for the answer: second-scale deadlines.
	Interactive Class = iota
	// Deferrable work can wait minutes to hours.
	Deferrable
)

// Classes lists the classes in report order.
var Classes = []Class{Interactive, Deferrable}

func (c Class) String() string {
	if c == Interactive {
		return "interactive"
	}
	return "deferrable"
}

// Request is one trace request with what the rule derived for it.
type Request struct {
	// ID is the request's place in the replay (arrival order); Model the
	// index of the model it asks for.
	ID    int
	Model int
	// Arrival is the time since the trace's first request.
	Arrival                        time.Duration
	ContextTokens, GeneratedTokens int
	Class                          Class
	// Mode and Deadline are what the caller sends as X-Route and
	// X-Deadline-Ms (whole milliseconds).
	Mode     router.Mode
	Deadline time.Duration
	// Size is the body length in bytes.
	Size int64
	// Hop is, for a request a peer region is offered (spill-over), the way
	// from the region that received it, as long as the way back; 0 for a
	// request served where it was received.
	Hop time.Duration
}

// Rule derives class, deadline and mode from each trace request. The trace
// has none of them (testdata/traces/README.md), so they are drawn from a
// seeded generator, one draw sequence per request in trace order: the same
// seed gives the same requests whatever the policy.
//
// Two rules for interactive deadlines exist. The slowdown rule (the
// default, SlowdownRule) sets a deadline relative to the work asked for:
// a drawn multiple of the request's warm service time plus a fixed
// allowance, as LLM serving SLOs are stated (a slowdown over an uncontended
// run). The uniform rule (the first one, UniformRule) draws 2–10 s
// whatever the request; it is kept so that its figures can be compared.
type Rule struct {
	Seed uint64
	// Name is "slowdown" or "uniform", as printed.
	Name string
	// InteractiveShare of requests are interactive, drawn per request.
	InteractiveShare float64
	// Uniform rule: interactive deadlines are uniform in
	// [InteractiveMin, InteractiveMax]. Used when SlowdownMax is zero.
	InteractiveMin, InteractiveMax time.Duration
	// Slowdown rule: an interactive deadline is k × the request's warm
	// service time + Allowance, k log-uniform in [SlowdownMin, SlowdownMax].
	SlowdownMin, SlowdownMax float64
	Allowance                time.Duration
	// Deferrable deadlines are log-uniform in [DeferrableMin, DeferrableMax]:
	// as many within 5–30 minutes as within 30 minutes–3 hours.
	DeferrableMin, DeferrableMax time.Duration
	// InteractiveRealtimeShare of interactive requests send X-Route:
	// realtime (callers that never accept a job id); the rest send auto.
	InteractiveRealtimeShare float64
	// DeferrableBatchShare of deferrable requests send X-Route: batch; the
	// rest send auto.
	DeferrableBatchShare float64
	// Body size: BytesPerToken per context token plus BodyOverhead bytes of
	// JSON envelope (assumption: ~4 bytes of English text per token).
	BytesPerToken, BodyOverhead int64
}

// Rule names, for -rule.
const (
	RuleSlowdown = "slowdown"
	RuleUniform  = "uniform"
)

// RuleByName returns the named rule for seed.
func RuleByName(name string, seed uint64) (Rule, error) {
	switch name {
	case RuleSlowdown:
		return SlowdownRule(seed), nil
	case RuleUniform:
		return UniformRule(seed), nil
	}
	return Rule{}, fmt.Errorf("sim: unknown rule %q; known: %s, %s", name, RuleSlowdown, RuleUniform)
}

// SlowdownRule is the default rule of docs/simulation.md: interactive
// callers allow 1.25× to 5× the warm service time (log-uniform: as many
// impatient as patient ones) plus 0.5 s for the network, TLS and the
// router; deferrable ones minutes to hours, as in UniformRule.
func SlowdownRule(seed uint64) Rule {
	r := UniformRule(seed)
	r.Name = RuleSlowdown
	r.InteractiveMin, r.InteractiveMax = 0, 0
	r.SlowdownMin, r.SlowdownMax, r.Allowance = 1.25, 5, 500*time.Millisecond
	return r
}

// UniformRule is the first rule: interactive deadlines uniform in 2–10 s
// whatever the request's size.
func UniformRule(seed uint64) Rule {
	return Rule{
		Seed:                     seed,
		Name:                     RuleUniform,
		InteractiveShare:         0.30,
		InteractiveMin:           2 * time.Second,
		InteractiveMax:           10 * time.Second,
		DeferrableMin:            5 * time.Minute,
		DeferrableMax:            2 * time.Hour,
		InteractiveRealtimeShare: 0.25,
		DeferrableBatchShare:     0.20,
		BytesPerToken:            4,
		BodyOverhead:             200,
	}
}

// String states the rule in one line, as printed beside the figures.
func (r Rule) String() string {
	inter := fmt.Sprintf("deadlines uniform in %s–%s", r.InteractiveMin, r.InteractiveMax)
	if r.SlowdownMax > 0 {
		inter = fmt.Sprintf("deadline = k × warm service time + %s, k log-uniform in %g–%g", r.Allowance, r.SlowdownMin, r.SlowdownMax)
	}
	return fmt.Sprintf("%s rule, seed %d: %.0f%% interactive with %s (%.0f%% of them X-Route: realtime, the rest auto); "+
		"the rest deferrable with deadlines log-uniform in %s–%s (%.0f%% of them X-Route: batch, the rest auto); body %d B/context token + %d B",
		r.Name, r.Seed, 100*r.InteractiveShare, inter, 100*r.InteractiveRealtimeShare,
		r.DeferrableMin, r.DeferrableMax, 100*r.DeferrableBatchShare, r.BytesPerToken, r.BodyOverhead)
}

// Derive turns trace rows into requests; tp gives the warm service time the
// slowdown rule scales. Arrivals are relative to the first row.
func (r Rule) Derive(rows []TraceRow, tp Throughput) []Request { return r.derive(rows, tp, 0) }

// derive is Derive with draws of the given stream: each model of a replay
// draws its own (stream 0 is Derive's).
func (r Rule) derive(rows []TraceRow, tp Throughput, stream uint64) []Request {
	rng := rand.New(rand.NewPCG(r.Seed, 0x9e3779b97f4a7c15^stream))
	out := make([]Request, len(rows))
	for i, row := range rows {
		// Always three draws per request, so one request's class does not
		// shift the next request's numbers.
		uClass, uDeadline, uMode := rng.Float64(), rng.Float64(), rng.Float64()
		req := Request{
			ID:              i,
			Arrival:         row.Time.Sub(rows[0].Time),
			ContextTokens:   row.ContextTokens,
			GeneratedTokens: row.GeneratedTokens,
			Size:            int64(row.ContextTokens)*r.BytesPerToken + r.BodyOverhead,
		}
		if uClass < r.InteractiveShare {
			req.Class = Interactive
			if r.SlowdownMax > 0 {
				lo, hi := math.Log(r.SlowdownMin), math.Log(r.SlowdownMax)
				k := math.Exp(lo + uDeadline*(hi-lo))
				svc := tp.ServiceTime(row.ContextTokens, row.GeneratedTokens)
				req.Deadline = time.Duration(k*float64(svc)) + r.Allowance
			} else {
				req.Deadline = r.InteractiveMin + time.Duration(uDeadline*float64(r.InteractiveMax-r.InteractiveMin))
			}
			if uMode < r.InteractiveRealtimeShare {
				req.Mode = router.ModeRealtime
			}
		} else {
			req.Class = Deferrable
			lo, hi := math.Log(float64(r.DeferrableMin)), math.Log(float64(r.DeferrableMax))
			req.Deadline = time.Duration(math.Exp(lo + uDeadline*(hi-lo)))
			if uMode < r.DeferrableBatchShare {
				req.Mode = router.ModeBatch
			}
		}
		req.Deadline = req.Deadline.Round(time.Millisecond)
		out[i] = req
	}
	return out
}
