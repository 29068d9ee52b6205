package live

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// sizeModelWeight is the weight of a new warm answer in the size model once
// it has seen 1/sizeModelWeight answers: about the last fifty count. Fewer
// would make the slope jump with each answer — an LLM's answer time varies
// with the length it generates, which the body size does not show.
const sizeModelWeight = 0.02

// minSizeSpreadKiB2 is the smallest variance of body sizes (KiB²) from which
// a slope is fitted; below it every request looked alike and the model is
// the mean answer time.
const minSizeSpreadKiB2 = 0.01

// sizeModel fits warm model time = intercept + slope × body KiB by least
// squares over exponentially weighted moments, so it follows a model or
// hardware change within a few dozen answers. observe takes a short lock;
// readers see the last fit through atomics without locking.
type sizeModel struct {
	mu     sync.Mutex
	n      int
	x, y   float64 // weighted means of KiB and seconds
	xx, xy float64 // weighted means of KiB² and KiB·seconds
	a, b   float64 // the last fit: intercept (s) and slope (s/KiB)
	// q is the running fastTail quantile of the residuals (answer time less
	// the fit's prediction, seconds; negative: faster than predicted) and
	// absRes the weighted mean absolute residual, which scales q's steps.
	q, absRes float64
	// The last fit for readers; a reader may pair one fit's base with the
	// next one's slope, harmless for an estimate.
	base, perKiB, fast, answers atomic.Int64
}

// minIntercept keeps a fitted intercept distinguishable from "none
// observed" (zero); an answer takes at least this long anyway.
const minIntercept = time.Millisecond

// fastTail is the share of warm answers the "fast" estimate should beat: a
// request is refused as deadline_too_short only when about 99 warm answers
// in 100 of its size would miss its deadline. The body size does not show
// how long an answer the caller asked for, and callers set deadlines by the
// answer they asked for, so a short answer's tight deadline is usual: a
// refusal is a certain miss, trying costs at most the deadline of one slot
// (the proxy cuts the call then). At one in ten, 66 requests a warm replica
// would have answered in time were refused in the replay of
// docs/simulation.md.
const fastTail = 0.01

// fastTailSamples is how many answers a fastTail quantile needs before the
// approximation below takes over from the fastest answer seen.
const fastTailSamples = int(1 / fastTail)

// fastStep scales the quantile's steps to the residuals' size: small enough
// that one answer moves it by a few percent of the spread, large enough to
// follow a change within a few hundred answers.
const fastStep = 0.1

func (m *sizeModel) observe(size int64, latency time.Duration) {
	kib, sec := float64(size)/1024, latency.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n > 0 {
		// The residual against the fit before this answer: how far off the
		// prediction was. q follows its fastTail quantile by stochastic
		// approximation (Robbins–Monro): a step up by fastTail when the
		// residual is above q, down by 1−fastTail when below, so q rests
		// where fastTail of the residuals fall below it.
		r := sec - (m.a + m.b*kib)
		w := max(1/float64(m.n), sizeModelWeight)
		m.absRes += w * (math.Abs(r) - m.absRes)
		step := fastStep * m.absRes
		switch {
		case m.n == 1 || (m.n < fastTailSamples && r < m.q):
			// Too few answers for a quantile this far out: the fastest
			// so far is the best estimate, where the approximation would
			// start at the fit and refuse short requests until it had
			// walked down (in the replay, 7–19 refusals in the first
			// minutes that a warm replica answered in time).
			m.q = min(m.q, r)
			if m.n == 1 {
				m.q = r
			}
		case m.n < fastTailSamples:
		case r < m.q:
			m.q -= step * (1 - fastTail)
		default:
			m.q += step * fastTail
		}
		m.fast.Store(int64(seconds(max(-m.q, 0))))
	}
	m.n++
	m.answers.Store(int64(m.n))
	// The first answers are averaged plainly so that the first one does not
	// count for fifty.
	w := max(1/float64(m.n), sizeModelWeight)
	m.x += w * (kib - m.x)
	m.y += w * (sec - m.y)
	m.xx += w * (kib*kib - m.xx)
	m.xy += w * (kib*sec - m.xy)

	intercept, slope := m.y, 0.0
	if spread := m.xx - m.x*m.x; spread > minSizeSpreadKiB2 {
		slope = (m.xy - m.x*m.y) / spread
		intercept = m.y - slope*m.x
		switch {
		case slope < 0:
			// Bigger requests are not faster: the size tells nothing.
			intercept, slope = m.y, 0
		case intercept < 0:
			// Time proportional to size: fit through the origin.
			intercept, slope = 0, m.xy/m.xx
		}
	}
	m.a, m.b = intercept, slope
	m.base.Store(int64(max(seconds(intercept), minIntercept)))
	m.perKiB.Store(int64(seconds(slope)))
}

// fit returns the intercept and per-KiB slope, zero intercept meaning no
// warm answer observed yet, how much faster than the fit the fastest
// hundredth of answers are, and how many warm answers it has seen.
func (m *sizeModel) fit() (base, perKiB, fast time.Duration, answers int) {
	return time.Duration(m.base.Load()), time.Duration(m.perKiB.Load()), time.Duration(m.fast.Load()), int(m.answers.Load())
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
