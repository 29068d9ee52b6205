package autoscale

import (
	"testing"
	"time"
)

// A model that records samples as it runs can drive a formula directly.
func TestRecorderServesDelayedSamples(t *testing.T) {
	var r Recorder
	for i := range 10 {
		r.Record(t0.Add(time.Duration(i)*SamplePeriod), map[string]float64{VarPendingTasks: float64(i)})
	}
	now := t0.Add(9 * SamplePeriod) // the last sample's time
	f, _ := Parse("$TargetLowPriorityNodes = max($PendingTasks.GetSample(1));")
	for _, c := range []struct {
		delay time.Duration
		want  int
	}{{0, 9}, {SampleDelay, 7}, {time.Hour, 0}} {
		res, err := f.Evaluate(Env{Now: now, Samples: r.Until(now, c.delay)})
		if c.delay == time.Hour {
			if err == nil {
				t.Errorf("delay %v: no samples yet, want max() of nothing to fail", c.delay)
			}
			continue
		}
		if err != nil || *res.TargetLowPriorityNodes != c.want {
			t.Errorf("delay %v: %v %v, want %d", c.delay, res, err, c.want)
		}
	}
	if r.Has("$CPUPercent") || !r.Has(VarPendingTasks) {
		t.Errorf("Has reports the wrong variables")
	}
}
