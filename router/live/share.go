package live

import (
	"math"
	"time"
)

// Share is what one router replica tells the others about its traffic:
// enough for each to rebuild the fleet's live state, as one router would see
// it (Tracker.Snapshot merges the peers' fresh shares into its own). Times
// are unix nanoseconds, 0 for never; durations are nanoseconds.
type Share struct {
	// At is when the share was taken; Every how long until the next one is
	// due. A share older than Stale(Every) is a dead replica's.
	At    int64 `json:"at"`
	Every int64 `json:"every"`

	InFlight int `json:"in_flight"`
	Urgent   int `json:"urgent"` // urgent requests in flight
	// Peaks are the in-flight peaks per 15 s over the scale-in window.
	Peaks []Peak `json:"peaks,omitempty"`
	// UrgentRate is urgent arrivals per second, decayed to At.
	UrgentRate float64 `json:"urgent_rate"`
	LastUrgent int64   `json:"last_urgent"`
	LastServed int64   `json:"last_served"`
	ColdSince  int64   `json:"cold_since"`
	QuietSince int64   `json:"quiet_since"`

	// The model-time fit (sizeModel), the slow tail of warm answers and how
	// many warm answers made them.
	Base    int64 `json:"base"`
	PerKiB  int64 `json:"per_kib"`
	Fast    int64 `json:"fast"`
	Slow    int64 `json:"slow"`
	Answers int   `json:"answers"`

	// The batch path's times, from the replica that runs the dispatcher,
	// and its backlog's figures: the depth its recent jobs were enqueued
	// behind and their wait in seconds (backlog.figures).
	BatchETA   int64   `json:"batch_eta"`
	BatchSlow  int64   `json:"batch_slow"`
	LastBatch  int64   `json:"last_batch"`
	BatchAhead float64 `json:"batch_ahead"`
	BatchWait  float64 `json:"batch_wait"`
}

// Peak is one 15 s bucket's highest in-flight counts: [epoch, all, urgent].
type Peak [3]int64

// Stale is how old a share published every every may get before its
// replica counts as gone: two missed publications and a second of slack.
func Stale(every time.Duration) time.Duration { return 2*every + time.Second }

// Share is this replica's own share at now (peers' shares not included);
// every is how long until the next.
func (t *Tracker) Share(now time.Time, every time.Duration) Share {
	base, perKiB, fast, answers := t.model.fit()
	s := Share{
		At: now.UnixNano(), Every: int64(every),
		InFlight:   int(t.inFlight.Load()),
		LastServed: t.lastServed.Load(), ColdSince: t.coldSince.Load(), QuietSince: t.quietSince.Load(),
		Base: int64(base), PerKiB: int64(perKiB), Fast: int64(fast), Slow: int64(t.answers.estimate()), Answers: answers,
		BatchETA: t.batchETA.Load(), BatchSlow: int64(t.batchSlow.estimate()), LastBatch: t.lastBatch.Load(),
	}
	s.BatchAhead, s.BatchWait = t.backlog.figures()
	s.Urgent, s.Peaks, s.UrgentRate, s.LastUrgent = t.demand.share(now)
	return s
}

// SetPeers replaces what the tracker knows of the other replicas: their
// latest shares, stale ones included (Snapshot leaves those out).
func (t *Tracker) SetPeers(peers []Share) {
	p := append([]Share(nil), peers...)
	t.peers.Store(&p)
}

// freshPeers are the peers' shares still current at now.
func (t *Tracker) freshPeers(now time.Time) []Share {
	all := t.peers.Load()
	if all == nil {
		return nil
	}
	var fresh []Share
	for _, p := range *all {
		if now.Sub(time.Unix(0, p.At)) <= Stale(time.Duration(p.Every)) {
			fresh = append(fresh, p)
		}
	}
	return fresh
}

// merge adds the fresh peers' shares to st, this replica's own state at
// now, so that Decide sees the fleet as one router would.
func merge(st *stateParts, peers []Share, now time.Time) {
	for _, p := range peers {
		st.inFlight += p.InFlight
		st.urgentNow += p.Urgent
		age := max(now.Sub(time.Unix(0, p.At)), 0)
		st.rate += p.UrgentRate * math.Exp(-age.Seconds()/urgentRateWindow.Seconds())
		st.lastUrgent = max(st.lastUrgent, p.LastUrgent)
		st.lastServed = max(st.lastServed, p.LastServed)
		st.quietSince = max(st.quietSince, p.QuietSince)
		if p.ColdSince != 0 && (st.coldSince == 0 || p.ColdSince < st.coldSince) {
			st.coldSince = p.ColdSince
		}
		st.model.add(time.Duration(p.Base), time.Duration(p.PerKiB), time.Duration(p.Fast), time.Duration(p.Slow), p.Answers)
		if p.LastBatch > st.lastBatch {
			st.lastBatch, st.batchETA, st.batchSlow = p.LastBatch, time.Duration(p.BatchETA), time.Duration(p.BatchSlow)
			st.backlogAhead, st.backlogWait = p.BatchAhead, p.BatchWait
		}
	}
	// A cold start is under way only if no replica has had an answer since
	// it began.
	if st.coldSince != 0 && st.coldSince <= st.lastServed {
		st.coldSince = 0
	}
}

// pooledFit averages replicas' model-time fits and slow tails of warm
// answers weighted by their answers (each counting at most as many as a
// fit's memory holds): the fleet's estimate of one warm answer.
//
// The fast margin is pooled apart: a replica with fewer than
// fastTailSamples answers has the margin of its fastest answer so far,
// which with a tenth of the answers is a smaller margin than the fleet's
// fastest — averaged, ten replicas would refuse short requests one router
// tries. So replicas that have a quantile of their own are averaged, and
// while none has, the fleet's margin is its fastest answer's, as one
// router's would be.
type pooledFit struct {
	w, base, perKiB, slow float64
	// fast and fastW average the margins of replicas with a quantile;
	// fastest is the largest margin of the others.
	fast, fastW, fastest float64
}

func (p *pooledFit) add(base, perKiB, fast, slow time.Duration, answers int) {
	w := float64(min(answers, int(1/sizeModelWeight)))
	p.w += w
	p.base += w * float64(base)
	p.perKiB += w * float64(perKiB)
	p.slow += w * float64(slow)
	if answers >= fastTailSamples {
		p.fastW += w
		p.fast += w * float64(fast)
	} else if answers > 0 {
		p.fastest = max(p.fastest, float64(fast))
	}
}

// estimate is the pooled fit and slow tail, zeros when no replica has one.
func (p *pooledFit) estimate() (base, perKiB, fast, slow time.Duration) {
	if p.w == 0 {
		return 0, 0, 0, 0
	}
	fast = time.Duration(p.fastest)
	if p.fastW > 0 {
		fast = time.Duration(p.fast / p.fastW)
	}
	return time.Duration(p.base / p.w), time.Duration(p.perKiB / p.w), fast, time.Duration(p.slow / p.w)
}
