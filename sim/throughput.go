package sim

import (
	"math"
	"time"
)

// Throughput is the per-stream speed of one request on one GPU: a request
// occupies one of the GPU's concurrent slots for its prefill (context
// tokens) and then its decode (generated tokens). Decoding a 7B model is
// memory-bound, so a few streams batched together each keep close to the
// single-stream rate (assumption; see docs/simulation.md).
type Throughput struct {
	PrefillTokensPerSecond float64
	DecodeTokensPerSecond  float64
}

// ServiceTime is how long a request holds its slot, rounded up to the
// millisecond.
func (t Throughput) ServiceTime(contextTokens, generatedTokens int) time.Duration {
	s := float64(contextTokens)/t.PrefillTokensPerSecond + float64(generatedTokens)/t.DecodeTokensPerSecond
	return time.Duration(math.Ceil(s*1000)) * time.Millisecond
}

// makespan is the time slots parallel slots need for the given service
// times, each taken in order by the slot that frees first.
func makespan(services []time.Duration, slots int) time.Duration {
	free := make([]time.Duration, max(slots, 1))
	for _, s := range services {
		j := 0
		for i := range free {
			if free[i] < free[j] {
				j = i
			}
		}
		free[j] += s
	}
	var m time.Duration
	for _, f := range free {
		m = max(m, f)
	}
	return m
}
