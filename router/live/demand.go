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

// share returns the urgent count now, the non-empty peak buckets within
// the scale-in window ending at now, the urgent arrival rate per second and
// the last urgent arrival (unix nanoseconds, 0 for none).
func (d *demand) share(now time.Time) (urgentNow int, peaks []Peak, rate float64, lastUrgent int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	epoch := now.UnixNano() / int64(peakBucket)
	for i := range peakBuckets {
		if e := d.epochs[i]; inWindow(e, epoch) && (d.peaks[i] > 0 || d.upeaks[i] > 0) {
			peaks = append(peaks, Peak{e, int64(d.peaks[i]), int64(d.upeaks[i])})
		}
	}
	if !d.rateAt.IsZero() {
		lastUrgent = d.rateAt.UnixNano()
	}
	return d.urgent, peaks, d.decayed(now), lastUrgent
}

// fleetPeaks returns the highest in-flight count and urgent in-flight count
// within the scale-in window ending at now, of this replica and the peers
// together (bucket by bucket), and at least the fleet's counts now.
func (d *demand) fleetPeaks(now time.Time, peers []Share, inFlight, urgentNow int) (peak, urgentPeak int) {
	epoch := now.UnixNano() / int64(peakBucket)
	var all, urgent [peakBuckets]int
	d.mu.Lock()
	for i := range peakBuckets {
		if inWindow(d.epochs[i], epoch) {
			all[i], urgent[i] = d.peaks[i], d.upeaks[i]
		}
	}
	d.mu.Unlock()
	for _, p := range peers {
		for _, b := range p.Peaks {
			if e := b[0]; inWindow(e, epoch) {
				i := int(e % int64(peakBuckets))
				all[i] += int(b[1])
				urgent[i] += int(b[2])
			}
		}
	}
	peak, urgentPeak = inFlight, urgentNow
	for i := range peakBuckets {
		peak, urgentPeak = max(peak, all[i]), max(urgentPeak, urgent[i])
	}
	return peak, urgentPeak
}

// inWindow: a bucket of epoch e is within the scale-in window ending in
// the bucket of epoch now.
func inWindow(e, now int64) bool { return e <= now && e > now-int64(peakBuckets) }
