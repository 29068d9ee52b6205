package models

import (
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// A revision's evidence for the rollback analysis: its answers over a
// sliding window, counted in slots of a thirtieth of the window, with their
// times in a log-scale histogram (buckets 10% apart from 1 ms to about an
// hour: a percentile is read within 10%), so that replicas add theirs up
// and a percentile is read from the sum.
const (
	statSlots   = 30
	histBuckets = 160
	histFirst   = time.Millisecond
	histGrowth  = 1.1
)

// Window is a revision's answers over the rollback window: requests, those
// that failed (no answer, or the app's 5xx), and the answer times'
// histogram. In JSON the histogram lists its non-empty buckets only.
type Window struct {
	Requests int
	Errors   int
	Hist     [histBuckets]uint32
}

type windowJSON struct {
	Requests int               `json:"requests"`
	Errors   int               `json:"errors"`
	Hist     map[string]uint32 `json:"hist,omitempty"`
}

// MarshalJSON writes the non-empty buckets only.
func (w Window) MarshalJSON() ([]byte, error) {
	j := windowJSON{Requests: w.Requests, Errors: w.Errors}
	for i, n := range w.Hist {
		if n > 0 {
			if j.Hist == nil {
				j.Hist = map[string]uint32{}
			}
			j.Hist[strconv.Itoa(i)] = n
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes; buckets out of range are
// dropped.
func (w *Window) UnmarshalJSON(b []byte) error {
	var j windowJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*w = Window{Requests: j.Requests, Errors: j.Errors}
	for k, n := range j.Hist {
		if i, err := strconv.Atoi(k); err == nil && i >= 0 && i < histBuckets {
			w.Hist[i] = n
		}
	}
	return nil
}

// Add adds another replica's window.
func (w *Window) Add(o Window) {
	w.Requests += o.Requests
	w.Errors += o.Errors
	for i := range w.Hist {
		w.Hist[i] += o.Hist[i]
	}
}

// ErrorRatio is the share of requests that failed; 0 without requests.
func (w Window) ErrorRatio() float64 {
	if w.Requests == 0 {
		return 0
	}
	return float64(w.Errors) / float64(w.Requests)
}

// Percentile is the time within which p percent of the answers came (the
// upper bound of the bucket it falls in); 0 without answers.
func (w Window) Percentile(p float64) time.Duration {
	var total uint64
	for _, n := range w.Hist {
		total += uint64(n)
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(total)))
	var seen uint64
	for i, n := range w.Hist {
		seen += uint64(n)
		if seen >= rank {
			return bucketTop(i)
		}
	}
	return bucketTop(histBuckets - 1)
}

func bucketTop(i int) time.Duration {
	return time.Duration(float64(histFirst) * math.Pow(histGrowth, float64(i)))
}

func bucketOf(d time.Duration) int {
	if d <= histFirst {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(histFirst)) / math.Log(histGrowth)))
	return min(i, histBuckets-1)
}

// Stats counts a revision's answers over the sliding window.
type Stats struct {
	mu     sync.Mutex
	slot   time.Duration
	epochs [statSlots]int64
	slots  [statSlots]Window
}

// NewStats counts over window.
func NewStats(window time.Duration) *Stats {
	return &Stats{slot: max(window/statSlots, time.Second)}
}

// window is a model's rollback window (5 minutes without thresholds).
func window(m config.Model) time.Duration {
	if m.Rollback != nil {
		return time.Duration(m.Rollback.WindowSeconds) * time.Second
	}
	return 5 * time.Minute
}

// Record counts one answer at now that took took; failed: no answer, or
// the app's 5xx.
func (s *Stats) Record(now time.Time, took time.Duration, failed bool) {
	e := now.UnixNano() / int64(s.slot)
	i := int(e % statSlots)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epochs[i] != e {
		s.epochs[i], s.slots[i] = e, Window{}
	}
	w := &s.slots[i]
	w.Requests++
	if failed {
		w.Errors++
		return
	}
	w.Hist[bucketOf(took)]++
}

// Window is this replica's answers over the window ending at now.
func (s *Stats) Window(now time.Time) Window {
	e := now.UnixNano() / int64(s.slot)
	var w Window
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range statSlots {
		if s.epochs[i] <= e && s.epochs[i] > e-statSlots {
			w.Add(s.slots[i])
		}
	}
	return w
}
