// Package models is the router's list of model deployments: it resolves
// the model a request names — its name or an alias — to its deployment,
// and gives each deployment what the router keeps per model: its settings
// in force, its live state, its realtime endpoints and its batch target.
// Every path of the router (both front doors, keep-warm, wake, the
// dispatcher, the fleet's shares) goes through it, so per-model state is
// kept in one place.
package models

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

// Deployment is one model as the router routes to it.
type Deployment struct {
	config.Model
	// Revisions are the model's revisions, the stable one first: each its
	// own GPU app with its own live state. A model without revisions in
	// MODELS is its one revision.
	Revisions []*Revision

	source  *live.Settings
	cached  atomic.Pointer[cachedSettings]
	split   atomic.Pointer[split]
	splitMu sync.Mutex // serialises changes of split
}

// Stable is the model's stable revision: where requests go that no
// canary takes, and where a failed canary call is retried.
func (d *Deployment) Stable() *Revision { return d.Revisions[0] }

type cachedSettings struct {
	generation uint64
	settings   router.Settings
}

// Settings are the model's routing settings in force: the router's, its
// own figures (MODELS), its own Key Vault secrets (router.ModelSecret).
// They are worked out again only when the router's settings change.
func (d *Deployment) Settings() router.Settings {
	gen := d.source.Generation()
	if c := d.cached.Load(); c != nil && c.generation == gen {
		return c.settings
	}
	s := d.source.Model(d.Key, d.Model.Settings)
	d.cached.Store(&cachedSettings{generation: gen, settings: s})
	return s
}

// ID is the id clients send for the model: its name; for the one model of
// the single-model variables, its model-version setting in force, which
// Key Vault may change.
func (d *Deployment) ID() string {
	if d.Key == config.SingleModelKey {
		return d.Settings().ModelVersion
	}
	return d.Name
}

// Catalog is the router's models, in MODELS order.
type Catalog struct {
	list []*Deployment
	ids  map[string]*Deployment
}

// New builds the catalog of specs (validated by config.Load), whose
// settings come from source.
func New(specs []config.Model, source *live.Settings) (*Catalog, error) {
	c := &Catalog{ids: map[string]*Deployment{}}
	for _, spec := range specs {
		d := &Deployment{Model: spec, source: source}
		revs := spec.Revisions
		if len(revs) == 0 {
			revs = []config.Revision{{Name: StableName, InferenceURL: spec.InferenceURL, OpenAIURL: spec.OpenAIURL, Weight: 100}}
		}
		for i, r := range revs {
			rev, err := newRevision(spec, r, i > 0)
			if err != nil {
				return nil, err
			}
			d.Revisions = append(d.Revisions, rev)
		}
		d.setSplit(nil)
		c.list = append(c.list, d)
		for _, id := range append([]string{spec.Name}, spec.Aliases...) {
			c.ids[id] = d
		}
	}
	source.WatchModels(keys(c.list))
	return c, nil
}

func keys(ds []*Deployment) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Key
	}
	return out
}

// All are the deployments, in MODELS order.
func (c *Catalog) All() []*Deployment { return c.list }

// Default is the model of a request that names none: the first.
func (c *Catalog) Default() *Deployment { return c.list[0] }

// Resolve returns the deployment a request's model id names — its name or
// an alias — or the default one for "". Errors: model_not_found, naming
// the models served.
func (c *Catalog) Resolve(id string) (*Deployment, error) {
	if id == "" {
		return c.Default(), nil
	}
	if d, ok := c.ids[id]; ok {
		return d, nil
	}
	if d := c.Default(); d.ID() == id {
		return d, nil
	}
	return nil, router.Errorf(router.EModelNotFound, "the model %q does not exist here; this router serves %s", router.Excerpt(id), strings.Join(c.Names(), ", "))
}

// Names are the models' ids and aliases, sorted.
func (c *Catalog) Names() []string {
	var out []string
	for _, d := range c.list {
		out = append(append(out, d.ID()), d.Aliases...)
	}
	sort.Strings(out)
	return out
}

// ByKey returns the deployment of a model key, for state kept by key (the
// fleet's shares), and whether there is one.
func (c *Catalog) ByKey(key string) (*Deployment, bool) {
	for _, d := range c.list {
		if d.Key == key {
			return d, true
		}
	}
	return nil, false
}

// SetQueueDepth records a queue depth read at now in every model's live
// state: the work queue is shared (dispatch.WatchDepth).
func (c *Catalog) SetQueueDepth(now time.Time, n int) {
	for _, r := range c.revisions() {
		r.Tracker.SetQueueDepth(now, n)
	}
}

// SetBatchDown records in every model's live state whether the work queue
// is failing.
func (c *Catalog) SetBatchDown(down bool) {
	for _, r := range c.revisions() {
		r.Tracker.SetBatchDown(down)
	}
}

// BatchDown reports whether the work queue was last seen failing.
func (c *Catalog) BatchDown() bool { return c.Default().Stable().Tracker.BatchDown() }

// revisions are every model's revisions.
func (c *Catalog) revisions() []*Revision {
	var out []*Revision
	for _, d := range c.list {
		out = append(out, d.Revisions...)
	}
	return out
}

// One is the catalog of the one model of a router without MODELS, whose
// app answers at inferenceURL, with source's settings and tracker as its
// live state (a new one when nil): a router of one model as tools and tests
// build it.
func One(inferenceURL string, source *live.Settings, tracker *live.Tracker) (*Catalog, error) {
	c := config.Default()
	c.InferenceURL = inferenceURL
	c.Settings = source.Current()
	cat, err := New([]config.Model{c.SingleModel()}, source)
	if err == nil && tracker != nil {
		cat.Default().Stable().Tracker = tracker
	}
	return cat, err
}

// For returns the deployment of a model key, the first model's for "" or a
// key no model has (work queued by a router of other models).
func (c *Catalog) For(key string) *Deployment {
	if d, ok := c.ByKey(key); ok {
		return d
	}
	return c.Default()
}
