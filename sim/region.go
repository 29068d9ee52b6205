package sim

import (
	"fmt"
	"math/rand/v2"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
)

// region is one region of a run, as one regional stack deploys it: the
// apps of its models, a Batch pool per GPU type, and its router (for the
// routed policies), which knows only its own models and reads only its own
// work queue. Regions share nothing but the requests one offers another
// (spillover.go).
type region struct {
	index  int
	name   string
	models []*simModel
	pools  []*pool
	// rng draws the Spot evictions of its pools.
	rng  *rand.Rand
	prod *production
}

// simModel is one model as a run replays it: its spec, its revisions'
// apps and the pool of its GPU type in its region. index is its place in
// the run's models, local in its region's router catalog.
type simModel struct {
	*Model
	apps         []*app
	pool         *pool
	region       *region
	index, local int
}

// build makes every region's models' apps (with a canary's when the router
// splits its traffic) and a pool per GPU type in each region.
func (e *engine) build(routed bool) error {
	for ri, rr := range e.rp.regions {
		// Region 0 draws as a run of one region always did.
		reg := &region{index: ri, name: rr.name, rng: rand.New(rand.NewPCG(e.rp.seed, 0x5eed0f5b07^uint64(ri)))}
		byVM := map[string]*pool{}
		for local, i := range rr.models {
			m := &simModel{Model: &e.rp.models[i], region: reg, index: i, local: local}
			if err := m.Params.Validate(); err != nil {
				return fmt.Errorf("model %s: %w", m.Name, err)
			}
			// An app keeps replicas only for requests in flight (the router's
			// wake among them) and the cooldown after them, so how long it
			// idled before its region's traffic starts does not matter.
			m.apps = append(m.apps, &app{e: e, p: m.Params, model: i, slower: 1})
			if c := m.Canary; c != nil && routed {
				m.apps = append(m.apps, &app{e: e, p: m.Params, model: i, rev: 1, slower: c.Slower, failShare: c.FailShare})
			}
			e.apps = append(e.apps, m.apps...)
			b := byVM[m.Params.NodeVMSize]
			if b == nil {
				b = &pool{e: e, reg: reg, p: m.Params, hist: map[string][]autoscale.Sample{}, dealloc: "requeue", busy: map[int]float64{}, queues: map[queueKey]*mbQueue{}}
				byVM[m.Params.NodeVMSize] = b
				reg.pools = append(reg.pools, b)
				e.pools = append(e.pools, b)
			}
			// The dispatcher runs as many micro-batches on a pool as the
			// largest max-batch-nodes of its models; the formula caps its
			// nodes there.
			b.p.MaxNodes = max(b.p.MaxNodes, m.Params.MaxNodes)
			b.models = append(b.models, i)
			m.pool = b
			reg.models = append(reg.models, m)
			e.models = append(e.models, m)
		}
		e.regions = append(e.regions, reg)
	}
	for _, b := range e.pools {
		text, err := b.p.Formula()
		if err != nil {
			return fmt.Errorf("sim: build formula: %w", err)
		}
		if b.formula, err = autoscale.Parse(text); err != nil {
			return fmt.Errorf("sim: parse formula: %w", err)
		}
	}
	return nil
}

// regionOf is the region whose router and apps serve r.
func (e *engine) regionOf(r *Request) *region { return e.models[r.Model].region }

// prod is the router of the region a's model is deployed in.
func (a *app) prod() *production { return a.e.models[a.model].region.prod }
