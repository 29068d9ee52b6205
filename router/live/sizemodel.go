package live

import (
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
	mu           sync.Mutex
	n            int
	x, y         float64      // weighted means of KiB and seconds
	xx, xy       float64      // weighted means of KiB² and KiB·seconds
	base, perKiB atomic.Int64 // the last fit; a reader may pair one fit's base with the next's slope, harmless for an estimate
}

// minIntercept keeps a fitted intercept distinguishable from "none
// observed" (zero); an answer takes at least this long anyway.
const minIntercept = time.Millisecond

func (m *sizeModel) observe(size int64, latency time.Duration) {
	kib, sec := float64(size)/1024, latency.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
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
	m.base.Store(int64(max(seconds(intercept), minIntercept)))
	m.perKiB.Store(int64(seconds(slope)))
}

// estimate returns the intercept and per-KiB slope; zero intercept means no
// warm answer observed yet.
func (m *sizeModel) estimate() (base, perKiB time.Duration) {
	return time.Duration(m.base.Load()), time.Duration(m.perKiB.Load())
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
