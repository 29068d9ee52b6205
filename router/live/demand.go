package live

import (
	"math"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// peakBucket is the width of one in-flight peak record: the platform decides
// scale every 15 s (the Kubernetes HPA's default sync period).
const peakBucket = 15 * time.Second

const peakBuckets = int(router.ScaleInWindow/peakBucket) + 1

// urgentRateWindow is the time constant of the urgent arrival rate: about
// the last five minutes of arrivals count, the span over which the app
// itself keeps capacity.
const urgentRateWindow = router.ScaleInWindow

// peakBuckets cover router.ScaleInWindow, the span over which the app keeps
// the highest replica count its HTTP rule asked for.

// demand follows what decides the inference app's replica count: the
// highest in-flight requests per 15 s over the scale-in window, in total
// and of urgent requests (those only realtime answers in time), and the
// recent arrival rate of urgent requests. A short lock: these are updated
// once per realtime request, not per byte.
type demand struct {
	mu            sync.Mutex
	inFlight      int
	urgent        int
	peaks, upeaks [peakBuckets]int
	epochs        [peakBuckets]int64
	rate          float64 // urgent arrivals per second, decayed to rateAt
	rateAt        time.Time
}

// slot returns the bucket for now, cleared if it held an older period.
func (d *demand) slot(now time.Time) int {
	epoch := now.UnixNano() / int64(peakBucket)
	i := int(epoch % int64(peakBuckets))
	if d.epochs[i] != epoch {
		d.epochs[i], d.peaks[i], d.upeaks[i] = epoch, 0, 0
	}
	return i
}

// add changes the in-flight counts by dTotal and dUrgent at now.
func (d *demand) add(now time.Time, dTotal, dUrgent int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.inFlight = max(d.inFlight+dTotal, 0)
	d.urgent = max(d.urgent+dUrgent, 0)
	i := d.slot(now)
	d.peaks[i] = max(d.peaks[i], d.inFlight)
	d.upeaks[i] = max(d.upeaks[i], d.urgent)
}

// arrival counts one urgent arrival in the decayed rate.
func (d *demand) arrival(now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rate = d.decayed(now) + 1/urgentRateWindow.Seconds()
	d.rateAt = now
}

func (d *demand) decayed(now time.Time) float64 {
	if d.rateAt.IsZero() {
		return 0
	}
	dt := max(now.Sub(d.rateAt), 0)
	return d.rate * math.Exp(-dt.Seconds()/urgentRateWindow.Seconds())
}

// read returns the highest in-flight count and urgent in-flight count
// within the scale-in window ending at now (the current counts included),
// the urgent count now, the urgent arrival rate per second and the time
// since the last urgent arrival (router.NeverServed if none).
func (d *demand) read(now time.Time) (peak, urgentPeak, urgentNow int, rate float64, since time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	epoch := now.UnixNano() / int64(peakBucket)
	peak, urgentPeak = d.inFlight, d.urgent
	for i := range peakBuckets {
		if e := d.epochs[i]; e <= epoch && e > epoch-int64(peakBuckets) {
			peak, urgentPeak = max(peak, d.peaks[i]), max(urgentPeak, d.upeaks[i])
		}
	}
	since = router.NeverServed
	if !d.rateAt.IsZero() {
		since = max(now.Sub(d.rateAt), 0)
	}
	return peak, urgentPeak, d.urgent, d.decayed(now), since
}
