package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// Routers is the shape of the router app: how many replicas, how the
// ingress spreads requests over them, and how often they share what they
// know (router/fleet).
type Routers struct {
	// Replicas is how many routers run (0 or 1: one).
	Replicas int
	// Spread is SpreadRoundRobin ("" too) or SpreadRandom (seeded).
	Spread string
	// Sync is FLEET_SYNC_INTERVAL: every Sync each replica publishes its
	// share of each model revision's live state and reads the others'
	// latest. 0 is each replica alone: it decides on its own traffic and
	// does every duty itself (the router before the fleet).
	Sync time.Duration
}

// Spreads of requests over router replicas.
const (
	SpreadRoundRobin = "round-robin"
	SpreadRandom     = "random"
)

// Validate names the first field out of range.
func (r Routers) Validate() error {
	switch {
	case r.Replicas < 0:
		return fmt.Errorf("sim: %d router replicas; want 1 or more", r.Replicas)
	case r.Spread != "" && r.Spread != SpreadRoundRobin && r.Spread != SpreadRandom:
		return fmt.Errorf("sim: spread %q; want %s or %s", r.Spread, SpreadRoundRobin, SpreadRandom)
	case r.Sync < 0 || r.Sync > time.Minute:
		return fmt.Errorf("sim: fleet sync %s; want 0 (each replica alone) up to 1m, as FLEET_SYNC_INTERVAL", r.Sync)
	}
	return nil
}

// n is the number of replicas.
func (r Routers) n() int { return max(r.Replicas, 1) }

// spread is how requests are spread, named.
func (r Routers) spread() string {
	if r.Spread == "" {
		return SpreadRoundRobin
	}
	return r.Spread
}

// shared: several replicas that share their state and lead their duties
// (router/fleet). One replica, or replicas with Sync 0, are each alone.
func (r Routers) shared() bool { return r.n() > 1 && r.Sync > 0 }

// fleet is the router replicas of a production run. Each has its own
// catalog of the models (router/models: every revision's live.Tracker, its
// evidence, the split in force). Shared, each replica publishes its
// trackers' live.Share every Sync (from its own phase in the interval) and
// hands the others' latest to its trackers (Tracker.SetPeers), with the
// revisions' windows and the canaries it rolled back, as router/fleet
// does; replica 0 leads: it runs the dispatcher (the pools' micro-batches,
// so the batch times are its trackers'), keep-warm and the canary
// analysis. Alone, every replica runs every duty on its own state, and the
// dispatchers take the work queue's messages in turn (competing receivers).
type fleet struct {
	e        *engine
	reg      *region
	routers  Routers
	replicas []*routerReplica
	// via is the replica that received each request, by request ID.
	via    []int
	spread *rand.Rand
	// next is the round-robin's next replica; nextMessage the dispatcher
	// that receives the next message when each replica runs its own.
	next, nextMessage int
}

// routerReplica is one router: its models and what it last published.
type routerReplica struct {
	cat       *models.Catalog
	published *publication
}

// publication is one replica's share as router/fleet stores it: each model
// revision's live share (by revision key), their windows where a model has
// canaries, the canaries it rolled back.
type publication struct {
	at, every  time.Duration
	live       map[string]live.Share
	windows    map[string]models.Window
	rolledBack map[string]map[string]string // model key → revision → why
}

func newFleet(e *engine, reg *region) (*fleet, error) {
	rs := e.rp.routers
	f := &fleet{e: e, reg: reg, routers: rs, via: make([]int, len(e.reqs)), spread: rand.New(rand.NewPCG(e.rp.seed, 0x5b4ead^uint64(reg.index)))}
	for range rs.n() {
		cat, err := models.New(e.rp.regions[reg.index].specs, live.NewSettings(router.DefaultSettings(), nil))
		if err != nil {
			return nil, fmt.Errorf("sim: router catalog: %w", err)
		}
		f.replicas = append(f.replicas, &routerReplica{cat: cat})
	}
	return f, nil
}

// leads reports whether replica i runs the once-only duties: the leader of
// a shared fleet, or every replica alone.
func (f *fleet) leads(i int) bool { return i == 0 || !f.routers.shared() }

// phase is replica i's offset within a period every: replicas started
// apart do their periodic work apart.
func (f *fleet) phase(i int, every time.Duration) time.Duration {
	return every * time.Duration(i) / time.Duration(f.routers.n())
}

// schedule starts the replicas' keep-warm loops (the leaders') and, in a
// shared fleet, their syncs. The fleet formed before the trace's first
// request: every replica already counts the others, so each syncs every
// Sync (router/fleet slows a replica that sees none).
func (f *fleet) schedule() {
	every := f.reg.models[0].Params.KeepWarmInterval
	for i := range f.replicas {
		if f.leads(i) {
			f.e.schedule(event{at: every + f.phase(i, every), kind: evKeepWarm, router: i, reg: f.reg})
		}
	}
	if f.routers.shared() {
		for i := range f.replicas {
			f.e.schedule(event{at: f.phase(i, f.routers.Sync), kind: evSync, router: i, reg: f.reg})
		}
	}
}

// receive picks the replica the ingress sends r to and, there, the
// revision of its model the split gives it: each request is its own caller
// (the simulator's callers send no session), so the split is per request.
func (f *fleet) receive(r *Request) *models.Revision {
	i := f.next
	if f.routers.Spread == SpreadRandom {
		i = f.spread.IntN(f.routers.n())
	} else {
		f.next = (f.next + 1) % f.routers.n()
	}
	f.via[r.ID] = i
	m := f.replicas[i].cat.All()[f.e.models[r.Model].local]
	rev := m.Pick(strconv.Itoa(r.ID))
	for k, x := range m.Revisions {
		if x == rev {
			f.e.rev[r.ID] = k
		}
	}
	return rev
}

// revision is revision rev of model m on replica i.
func (f *fleet) revision(i, m, rev int) *models.Revision {
	return f.replicas[i].cat.All()[f.e.models[m].local].Revisions[rev]
}

// runsOn is the revision that runs a micro-batch of queue k, as the
// dispatcher of replica k.gatherer picks it when it cuts the micro-batch
// (models.Deployment.RunsOn): the one its jobs are pinned to, or stable
// once that one is rolled back there.
func (p *production) runsOn(k queueKey) int {
	m := p.fleet.replicas[k.gatherer].cat.All()[p.e.models[k.model].local]
	return slices.Index(m.Revisions, m.RunsOn(m.Revisions[k.rev].Name))
}

// gatherer is the replica whose dispatcher receives the next message of
// the work queue: the leader's, or each replica's in turn when each runs
// its own.
func (f *fleet) gatherer() int {
	if f.routers.shared() {
		return 0
	}
	i := f.nextMessage
	f.nextMessage = (f.nextMessage + 1) % f.routers.n()
	return i
}

// keepWarm asks router.KeepWarm for each model revision's app on replica
// i, as the router's keep-warm loop does, and sends the app a keep-warm
// request when it says so.
func (p *production) keepWarm(i int) {
	now := p.e.wall()
	for local, m := range p.fleet.replicas[i].cat.All() {
		sm := p.reg.models[local]
		for k, rev := range m.Revisions {
			if !router.KeepWarm(rev.Tracker.Snapshot(now), sm.Settings) {
				continue
			}
			p.pings++
			sm.apps[k].ping()
			rev.Tracker.Pinged(now)
		}
	}
}

// readDepth is every replica's queue-depth reading: the region's one work
// queue holds every model's jobs (models.Catalog.SetQueueDepth).
func (p *production) readDepth() {
	depth := 0
	for _, b := range p.reg.pools {
		depth += b.stored
	}
	for _, rr := range p.fleet.replicas {
		rr.cat.SetQueueDepth(p.e.wall(), depth)
	}
}

// wakeSent records on replica via's tracker the wake request it sent to a.
func (p *production) wakeSent(a *app, via int) {
	tr, now := p.fleet.revision(via, a.model, a.rev).Tracker, p.e.wall()
	fresh := tr.Snapshot(now).BeginsColdStart(p.settings(a.model))
	tr.Begin(now)
	tr.BeginCold(now, fresh)
}

// wakeEnded records how the wake request replica via sent a ended, after
// took: never a model-time sample.
func (p *production) wakeEnded(a *app, via int, took time.Duration, end live.Answer) {
	p.fleet.revision(via, a.model, a.rev).Tracker.End(p.e.wall(), took, -1, end)
}

// sync is replica i's sync, as router/fleet's: it publishes its share and
// hands the other replicas' fresh ones (as of their last publication) to
// its trackers, takes their windows as its revisions' peers' and the
// canaries they rolled back out of its own split.
func (p *production) sync(i int) {
	f, now := p.fleet, p.e.wall()
	rr := f.replicas[i]
	pub := &publication{at: p.e.now, every: f.routers.Sync, live: map[string]live.Share{}, windows: map[string]models.Window{}, rolledBack: map[string]map[string]string{}}
	for _, m := range rr.cat.All() {
		for _, r := range m.Revisions {
			pub.live[r.Key(m)] = r.Tracker.Share(now, f.routers.Sync)
			if len(m.Revisions) > 1 {
				pub.windows[r.Key(m)] = r.Stats.Window(now)
			}
		}
		if out := m.RolledBack(); len(out) > 0 {
			pub.rolledBack[m.Key] = out
		}
	}
	rr.published = pub
	peers := map[string][]live.Share{}
	windows := map[string]models.Window{}
	for j, other := range f.replicas {
		o := other.published
		if j == i || o == nil || p.e.now-o.at > live.Stale(o.every) {
			continue
		}
		for key, s := range o.live {
			peers[key] = append(peers[key], s)
		}
		for key, w := range o.windows {
			sum := windows[key]
			sum.Add(w)
			windows[key] = sum
		}
		for key, revs := range o.rolledBack {
			m, _ := rr.cat.ByKey(key)
			for rev, why := range revs {
				if m.RollBack(rev, why) {
					p.canaries.heard(i)
				}
			}
		}
	}
	for _, m := range rr.cat.All() {
		for _, r := range m.Revisions {
			r.Tracker.SetPeers(peers[r.Key(m)])
			r.SetPeerWindow(windows[r.Key(m)])
		}
	}
}
