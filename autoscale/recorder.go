package autoscale

import "time"

// Recorder collects service-variable samples as a live model generates them
// (the simulator's pool, or a routing simulator's queue) and serves them to
// Evaluate the way Batch does: only what had arrived by the evaluation time.
// Record samples in time order. The zero value is ready to use.
type Recorder struct {
	hist map[string][]Sample
}

// Record adds one sample per variable taken at at.
func (r *Recorder) Record(at time.Time, values map[string]float64) {
	if r.hist == nil {
		r.hist = map[string][]Sample{}
	}
	for name, v := range values {
		r.hist[name] = append(r.hist[name], Sample{Time: at, Value: v})
	}
}

// Until is the recorded history as a formula evaluated at now sees it when
// samples arrive delay late (SampleDelay in Azure).
func (r *Recorder) Until(now time.Time, delay time.Duration) SampleSource {
	return recorderView{r: r, until: now.Add(-delay)}
}

// Has reports whether variable has been recorded at all.
func (r *Recorder) Has(variable string) bool {
	_, ok := r.hist[variable]
	return ok
}

type recorderView struct {
	r     *Recorder
	until time.Time
}

func (v recorderView) History(variable string) []Sample {
	h := v.r.hist[variable]
	n := len(h)
	for n > 0 && h[n-1].Time.After(v.until) {
		n--
	}
	return h[:n:n]
}
