package main

import (
	"context"
	"slices"
	"sync"
	"time"
)

// op is one request against the target under test; it returns an error when
// the target did not accept the job.
type op func(ctx context.Context) error

// result is what a load run measured inside its measurement window.
type result struct {
	Ops        int
	Errors     int
	FirstError string
	Seconds    float64
	OpsPerSec  float64
	P50us      float64
	P99us      float64
}

// run keeps conns workers calling do back to back for warmup+duration and
// measures only the operations that both started and ended inside the
// window after the warm-up, so a slow start or an unfinished tail does not
// leak into the figures.
func run(ctx context.Context, do op, conns int, warmup, duration time.Duration) result {
	begin := time.Now()
	from, to := begin.Add(warmup), begin.Add(warmup+duration)
	ctx, cancel := context.WithDeadline(ctx, to.Add(5*time.Second))
	defer cancel()

	type worker struct {
		lat      []time.Duration
		errs     int
		firstErr error
	}
	ws := make([]worker, conns)
	var wg sync.WaitGroup
	for i := range ws {
		w := &ws[i]
		wg.Go(func() {
			for {
				start := time.Now()
				if !start.Before(to) {
					return
				}
				err := do(ctx)
				end := time.Now()
				if start.Before(from) || end.After(to) {
					continue
				}
				if err != nil {
					w.errs++
					if w.firstErr == nil {
						w.firstErr = err
					}
					continue
				}
				w.lat = append(w.lat, end.Sub(start))
			}
		})
	}
	wg.Wait()

	var all []time.Duration
	var r result
	for _, w := range ws {
		all = append(all, w.lat...)
		r.Errors += w.errs
		if w.firstErr != nil && r.FirstError == "" {
			r.FirstError = w.firstErr.Error()
		}
	}
	slices.Sort(all)
	r.Ops = len(all)
	r.Seconds = duration.Seconds()
	r.OpsPerSec = float64(r.Ops) / r.Seconds
	r.P50us = micros(percentile(all, 0.50))
	r.P99us = micros(percentile(all, 0.99))
	return r
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
