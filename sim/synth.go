package sim

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Shape is the traffic a synthetic trace is drawn from: requests arrive in
// bursts, prompt and answer lengths are log-normal. It stands in for traces
// this repository cannot ship; docs/simulation.md says which figures each
// field was set from.
type Shape struct {
	// Duration is the span of the trace; Rate the mean requests per second.
	Duration time.Duration
	Rate     float64
	// Bursts start at exponential gaps of mean BurstEvery and bring a
	// Poisson number of requests (mean Rate × BurstEvery), spread uniformly
	// over BurstSpread after the burst's start.
	BurstEvery, BurstSpread time.Duration
	// Prompt and answer lengths in tokens: log-normal with the median and
	// σ (of the logarithm) given, drawn again when above the maximum (a
	// model's context limit, a max_tokens cap).
	PromptMedian, PromptMax int
	PromptSigma             float64
	AnswerMedian, AnswerMax int
	AnswerSigma             float64
}

// LongPromptShape is the traffic of issue 30: about 12,000 requests an hour
// (3.4 a second) in bursts every few seconds, prompts of median 6,900 tokens
// up to about 90,000, answers of median 350 tokens. The spreads are
// assumptions: a prompt σ of 1 makes 90,000 tokens the 99.5th percentile;
// an answer σ of 0.7 gives answers the spread of the conversation trace's
// (coefficient of variation 0.7 and 0.77).
func LongPromptShape() Shape {
	return Shape{
		Duration:     time.Hour,
		Rate:         3.4,
		BurstEvery:   3 * time.Second,
		BurstSpread:  500 * time.Millisecond,
		PromptMedian: 6900,
		PromptMax:    90000,
		PromptSigma:  1.0,
		AnswerMedian: 350,
		AnswerMax:    4000,
		AnswerSigma:  0.7,
	}
}

// Validate reports the first field out of range, naming it.
func (s Shape) Validate() error {
	switch {
	case s.Duration <= 0:
		return fmt.Errorf("duration must be positive, got %s", s.Duration)
	case s.Rate <= 0:
		return fmt.Errorf("rate must be positive requests per second, got %g", s.Rate)
	case s.BurstEvery <= 0 || s.BurstSpread < 0:
		return fmt.Errorf("burst gap must be positive and burst spread not negative, got %s and %s", s.BurstEvery, s.BurstSpread)
	case s.PromptMedian < 1 || s.PromptMax < s.PromptMedian || s.AnswerMedian < 1 || s.AnswerMax < s.AnswerMedian:
		return fmt.Errorf("token medians must be at least 1 and maxima at least the median, got prompt %d/%d, answer %d/%d",
			s.PromptMedian, s.PromptMax, s.AnswerMedian, s.AnswerMax)
	case s.PromptSigma < 0 || s.AnswerSigma < 0:
		return fmt.Errorf("σ must not be negative, got prompt %g, answer %g", s.PromptSigma, s.AnswerSigma)
	}
	return nil
}

// Generate draws a trace of s from a PCG generator seeded with seed, the
// first burst at start: the same seed gives the same trace.
func (s Shape) Generate(seed uint64, start time.Time) ([]TraceRow, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("sim: trace shape: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 0x7e57ab1e))
	perBurst := s.Rate * s.BurstEvery.Seconds()
	var rows []TraceRow
	for at := time.Duration(0); at < s.Duration; at += time.Duration(rng.ExpFloat64() * float64(s.BurstEvery)) {
		for range poisson(rng, perBurst) {
			off := time.Duration(rng.Float64() * float64(s.BurstSpread))
			rows = append(rows, TraceRow{
				// The Azure trace's timestamps have 100 ns steps.
				Time:            start.Add(at + off).Truncate(100 * time.Nanosecond),
				ContextTokens:   logNormalBelow(rng, s.PromptMedian, s.PromptSigma, s.PromptMax),
				GeneratedTokens: logNormalBelow(rng, s.AnswerMedian, s.AnswerSigma, s.AnswerMax),
			})
		}
	}
	// A burst may begin before the previous one's spread is over.
	slices.SortStableFunc(rows, func(a, b TraceRow) int { return a.Time.Compare(b.Time) })
	return rows, nil
}

// poisson draws a Poisson count of the given mean (Knuth's product of
// uniforms; the means here are a few dozen at most).
func poisson(rng *rand.Rand, mean float64) int {
	limit, p, n := math.Exp(-mean), rng.Float64(), 0
	for p > limit {
		p *= rng.Float64()
		n++
	}
	return n
}

// logNormalBelow draws a whole number from the log-normal of the median
// and σ given, at least 1, again while above limit.
func logNormalBelow(rng *rand.Rand, median int, sigma float64, limit int) int {
	for {
		v := int(math.Round(float64(median) * math.Exp(sigma*rng.NormFloat64())))
		if v <= limit {
			return max(v, 1)
		}
	}
}

// WriteTrace writes rows as ReadTrace reads them, with the Azure trace's
// header and timestamp form.
func WriteTrace(w io.Writer, rows []TraceRow) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "TIMESTAMP,ContextTokens,GeneratedTokens")
	for _, r := range rows {
		fmt.Fprintf(bw, "%s,%d,%d\n", r.Time.UTC().Format(azureTimeLayout), r.ContextTokens, r.GeneratedTokens)
	}
	return bw.Flush()
}
