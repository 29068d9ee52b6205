package sim

import (
	"math"
	"time"
)

// Throughput is the speed of requests on one GPU. Alone, a request runs its
// prefill (context tokens) and then its decode (generated tokens) at the
// single-stream rates. Served with others by continuous batching (vLLM,
// TGI), n concurrent streams each advance at Speed(n) of that rate: the
// GPU's aggregate throughput n·Speed(n) rises sublinearly with n, and every
// stream is slower than alone (docs/simulation.md gives the benchmark the
// curve is fitted to).
type Throughput struct {
	PrefillTokensPerSecond float64
	DecodeTokensPerSecond  float64
	// Contention is β in Speed(n) = 1 / (1 + β·(n−1)).
	Contention float64
	// MaxStreams is how many requests one GPU runs at once; more wait.
	MaxStreams int
}

// ServiceTime is a request's single-stream time, rounded up to the
// millisecond: the time it takes alone on a GPU.
func (t Throughput) ServiceTime(contextTokens, generatedTokens int) time.Duration {
	s := float64(contextTokens)/t.PrefillTokensPerSecond + float64(generatedTokens)/t.DecodeTokensPerSecond
	return time.Duration(math.Ceil(s*1000)) * time.Millisecond
}

// Speed is the share of its single-stream rate each of n concurrent streams
// gets (1 for n ≤ 1).
func (t Throughput) Speed(n int) float64 {
	if n <= 1 {
		return 1
	}
	return 1 / (1 + t.Contention*float64(n-1))
}

// Gain is the GPU's aggregate throughput with n streams, in single streams.
func (t Throughput) Gain(n int) float64 { return float64(n) * t.Speed(n) }

// makespan is the time a GPU running at most slots streams at once needs for
// the given single-stream service times, taken in order as streams free:
// processor sharing among the running streams at Speed(running).
func (t Throughput) makespan(services []time.Duration, slots int) time.Duration {
	slots = max(slots, 1)
	left := make([]float64, 0, slots) // remaining single-stream seconds of the running streams
	next, now := 0, 0.0
	for next < len(services) || len(left) > 0 {
		for len(left) < slots && next < len(services) {
			left = append(left, services[next].Seconds())
			next++
		}
		speed := t.Speed(len(left))
		// The stream with least work left ends first.
		j := 0
		for i := range left {
			if left[i] < left[j] {
				j = i
			}
		}
		step := left[j]
		now += step / speed
		kept := left[:0]
		for i, l := range left {
			if i != j {
				kept = append(kept, l-step)
			}
		}
		left = kept
	}
	return time.Duration(math.Ceil(now*1000)) * time.Millisecond
}
