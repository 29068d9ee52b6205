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
	ID int
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
}

// Rule derives class, deadline and mode from each trace request. The trace
// has none of them (shared/traces/README.md), so they are drawn from a
// seeded generator, one draw sequence per request in trace order: the same
// seed gives the same requests whatever the policy.
type Rule struct {
	Seed uint64
	// InteractiveShare of requests are interactive, drawn per request.
	InteractiveShare float64
	// Interactive deadlines are uniform in [InteractiveMin, InteractiveMax].
	InteractiveMin, InteractiveMax time.Duration
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

// DefaultRule is the rule stated beside every figure in docs/simulation.md.
func DefaultRule(seed uint64) Rule {
	return Rule{
		Seed:                     seed,
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
	return fmt.Sprintf("seed %d: %.0f%% interactive with deadlines uniform in %s–%s (%.0f%% of them X-Route: realtime, the rest auto); "+
		"the rest deferrable with deadlines log-uniform in %s–%s (%.0f%% of them X-Route: batch, the rest auto); body %d B/context token + %d B",
		r.Seed, 100*r.InteractiveShare, r.InteractiveMin, r.InteractiveMax, 100*r.InteractiveRealtimeShare,
		r.DeferrableMin, r.DeferrableMax, 100*r.DeferrableBatchShare, r.BytesPerToken, r.BodyOverhead)
}

// Derive turns trace rows into requests. Arrivals are relative to the first
// row.
func (r Rule) Derive(rows []TraceRow) []Request {
	rng := rand.New(rand.NewPCG(r.Seed, 0x9e3779b97f4a7c15))
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
			req.Deadline = r.InteractiveMin + time.Duration(uDeadline*float64(r.InteractiveMax-r.InteractiveMin))
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
