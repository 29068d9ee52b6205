package models

import (
	"net/url"
	"sync/atomic"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

// StableName names the one revision of a model that lists none.
const StableName = "stable"

// Revision is one version of a model: its own GPU app, image and version,
// and its own live state and evidence (Stats).
type Revision struct {
	Name string
	// Canary: not the model's stable revision.
	Canary bool
	// InferenceURL and OpenAIURL are its app's realtime endpoint and
	// OpenAI-compatible base URL (ending in /v1).
	InferenceURL, OpenAIURL *url.URL
	// Image and Version are what its batch runs run and report (the
	// model's when empty).
	Image, Version string
	// Weight is its share of the model's traffic in MODELS, in percent.
	Weight int
	// Tracker is its app's live state.
	Tracker *live.Tracker
	// Stats are its answers over the rollback window on this replica;
	// peers the other replicas' (SetPeerWindow).
	Stats *Stats
	peers atomic.Pointer[Window]
}

func newRevision(m config.Model, r config.Revision, canary bool) (*Revision, error) {
	rev := &Revision{Name: r.Name, Canary: canary, Image: r.Image, Version: r.Version, Weight: r.Weight,
		Tracker: &live.Tracker{}, Stats: NewStats(window(m))}
	if rev.Image == "" {
		rev.Image = m.Image
	}
	var err error
	if rev.InferenceURL, err = url.Parse(r.InferenceURL); err != nil {
		return nil, err
	}
	if r.OpenAIURL != "" {
		if rev.OpenAIURL, err = url.Parse(r.OpenAIURL); err != nil {
			return nil, err
		}
	} else {
		rev.OpenAIURL = &url.URL{Scheme: rev.InferenceURL.Scheme, Host: rev.InferenceURL.Host, Path: "/v1"}
	}
	return rev, nil
}

// Key names the revision of model d across the fleet's shares.
func (r *Revision) Key(d *Deployment) string { return d.Key + "/" + r.Name }

// SetPeerWindow records the other replicas' answers over the window,
// summed, as the fleet's sync last read them.
func (r *Revision) SetPeerWindow(w Window) { r.peers.Store(&w) }

// FleetWindow is the revision's answers over the window ending at now on
// every replica: this one's and the peers' last read.
func (r *Revision) FleetWindow(now time.Time) Window {
	w := r.Stats.Window(now)
	if p := r.peers.Load(); p != nil {
		w.Add(*p)
	}
	return w
}
