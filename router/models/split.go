package models

import (
	"hash/fnv"
	"maps"
	"math/rand/v2"
)

// split is a model's traffic split in force: each revision's weight, the
// rolled-back canaries' gone to stable.
type split struct {
	weights    []int
	rolledBack map[string]string // revision → why
}

// setSplit puts in force the MODELS weights with the rolled-back canaries
// taken out.
func (d *Deployment) setSplit(rolledBack map[string]string) {
	sp := &split{weights: make([]int, len(d.Revisions)), rolledBack: rolledBack}
	for i, r := range d.Revisions {
		if _, out := rolledBack[r.Name]; out && r.Canary {
			sp.weights[0] += r.Weight
			continue
		}
		sp.weights[i] += r.Weight
	}
	d.split.Store(sp)
}

// Pick returns the revision that answers a caller: by the split's weights,
// the same one for the same caller key while the split holds (so one user
// does not flip between revisions), at random for "".
func (d *Deployment) Pick(caller string) *Revision {
	if len(d.Revisions) == 1 {
		return d.Revisions[0]
	}
	var x uint64
	if caller == "" {
		x = rand.Uint64()
	} else {
		h := fnv.New64a()
		_, _ = h.Write([]byte(d.Key))
		_, _ = h.Write([]byte{0})
		_, _ = h.Write([]byte(caller))
		x = h.Sum64()
	}
	bucket := int(x % 100)
	for i, w := range d.split.Load().weights {
		if bucket < w {
			return d.Revisions[i]
		}
		bucket -= w
	}
	return d.Stable()
}

// Weight is revision r's share of the model's traffic in force, in percent.
func (d *Deployment) Weight(r *Revision) int {
	for i, x := range d.Revisions {
		if x == r {
			return d.split.Load().weights[i]
		}
	}
	return 0
}

// RollBack takes canary name out of the split, its weight to stable, for
// why; it reports whether it was in.
func (d *Deployment) RollBack(name, why string) bool {
	d.splitMu.Lock()
	defer d.splitMu.Unlock()
	old := d.split.Load()
	if _, out := old.rolledBack[name]; out || !d.isCanary(name) {
		return false
	}
	next := maps.Clone(old.rolledBack)
	if next == nil {
		next = map[string]string{}
	}
	next[name] = why
	d.setSplit(next)
	return true
}

// RolledBack are the canaries taken out of the split, with why.
func (d *Deployment) RolledBack() map[string]string { return maps.Clone(d.split.Load().rolledBack) }

func (d *Deployment) isCanary(name string) bool {
	for _, r := range d.Revisions {
		if r.Name == name {
			return r.Canary
		}
	}
	return false
}

// RunsOn is the revision that runs batch work pinned to name: that
// revision while it is in the split, stable once it is rolled back (work
// queued for a canary judged worse must not run its image) or when the
// model has no revision of that name.
func (d *Deployment) RunsOn(name string) *Revision {
	if d.IsRolledBack(name) {
		return d.Stable()
	}
	return d.Revision(name)
}

// IsRolledBack reports whether canary name is out of the split.
func (d *Deployment) IsRolledBack(name string) bool {
	_, out := d.split.Load().rolledBack[name]
	return out
}

// Revision returns the revision of this name, or stable for "" or a name
// it has not (a batch job pinned by a router of other revisions).
func (d *Deployment) Revision(name string) *Revision {
	for _, r := range d.Revisions {
		if r.Name == name {
			return r
		}
	}
	return d.Stable()
}
