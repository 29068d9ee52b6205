package sim

import (
	"fmt"
	"time"
)

// Region is one region of a multi-region replay (issue 28): one regional
// stack serving the replay's model with its own app, Batch pool, prices and
// router, for the callers of its own trace, whose first request comes Shift
// after the replay's first instant (the day of another time zone's callers
// starts later).
type Region struct {
	Name  string
	Model Model
	Shift time.Duration
}

// DefaultRoundTrip is the time between two regions there and back: 165 ms,
// the monthly median round trip between Sweden Central and West US 3, the
// regions of the stacks prod and dev (learn.microsoft.com, "Azure network
// round-trip latency statistics", P50 over the 30 days to 2024-06-19).
const DefaultRoundTrip = 165 * time.Millisecond

// regionSpecs are the regions cfg replays: its Regions, or one region of
// its Models.
func (cfg Config) regionSpecs() ([]regionSpec, error) {
	if len(cfg.Regions) == 0 {
		return []regionSpec{{models: cfg.Models}}, nil
	}
	switch {
	case len(cfg.Models) > 0:
		return nil, fmt.Errorf("sim: models and regions given; a region names its model")
	case len(cfg.Regions) < 2:
		return nil, fmt.Errorf("sim: one region; replay its model alone, or give two regions or more")
	case cfg.RoundTrip < 0:
		return nil, fmt.Errorf("sim: round trip %s between regions; want 0 or more", cfg.RoundTrip)
	}
	var specs []regionSpec
	names := map[string]bool{}
	for _, r := range cfg.Regions {
		switch {
		case r.Name == "" || names[r.Name]:
			return nil, fmt.Errorf("sim: region %q: want a name of its own", r.Name)
		case r.Shift < 0:
			return nil, fmt.Errorf("sim: region %s: shift %s; want 0 or more", r.Name, r.Shift)
		case r.Model.Name != cfg.Regions[0].Model.Name:
			return nil, fmt.Errorf("sim: region %s serves %s, region %s %s: every region serves the same model", r.Name, r.Model.Name, cfg.Regions[0].Name, cfg.Regions[0].Model.Name)
		}
		names[r.Name] = true
		specs = append(specs, regionSpec{name: r.Name, models: []Model{r.Model}, shift: r.Shift})
	}
	return specs, nil
}

// withSpillover is rp with spill-over between its regions.
func (rp *replay) withSpillover() *replay {
	c := *rp
	c.spill = true
	return &c
}

// RegionReport describes one region of a multi-region replay: its model,
// trace and figures, and when its traffic starts.
type RegionReport struct {
	Region string  `json:"region"`
	ShiftS float64 `json:"shift_s"`
	ModelReport
}

// SpillResult is a region's spill-over in a run with it.
type SpillResult struct {
	// OfferedToPeers counts the requests the region received and refused
	// for their deadline that it offered its peers; TakenByPeers those a
	// peer took (its answer, or its error, is the caller's).
	OfferedToPeers int `json:"offered_to_peers"`
	TakenByPeers   int `json:"taken_by_peers"`
	// AnsweredForPeers counts the requests peers received that this region
	// answered, InTime those within the caller's deadline, the round trip
	// included.
	AnsweredForPeers       int `json:"answered_for_peers"`
	AnsweredForPeersInTime int `json:"answered_for_peers_in_time"`
}

// spillOf is region rr's spill-over in a run whose outcomes are out.
func spillOf(rr replayRegion, reqs []Request, out []Outcome) *SpillResult {
	s := &SpillResult{}
	for _, id := range rr.ids {
		if out[id].Offered {
			s.OfferedToPeers++
		}
		if out[id].Peer != "" {
			s.TakenByPeers++
		}
	}
	for i, o := range out {
		if o.Peer == rr.name && o.Answered {
			s.AnsweredForPeers++
			if !o.Missed(reqs[i]) {
				s.AnsweredForPeersInTime++
			}
		}
	}
	return s
}
