// Package fleet makes router replicas behave as one router. Each replica
// publishes its share of the live state (live.Share) every Sync and reads
// the others', so that Decide sees the fleet's load (live.Tracker merges
// them); the duties that must happen once — the dispatcher's micro-batches,
// keep-warm, the Batch API's manager, removing dead replicas' shares — run
// on the one replica that holds the leader lease; and a wake-up of the
// inference app is taken as a short lease, so one replica sends it.
//
// Both live in the storage account the deployment already has (blob
// metadata and blob leases, router.FleetStore): no new service to run,
// secure or pay for.
package fleet

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/metrics"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// Lease names.
const (
	leaderLease = "leader"
	wakeLease   = "wake"
)

// LeaseTTL is the leader lease's duration: Azure's shortest, so a dead
// leader's duties move within it. The leader renews it every RenewEvery.
const (
	LeaseTTL   = router.MinLease
	RenewEvery = LeaseTTL / 3
	// stepDownMargin: a leader that could not renew stops its duties this
	// long before its lease may have expired, so two never run them at once.
	stepDownMargin = 3 * time.Second
)

// aloneFactor slows the sync of a replica that sees no other: it only has
// to be found by a newcomer, which reads at once.
const aloneFactor = 10

// goneAfter is how long a share stays in storage after its replica stopped
// publishing; the leader removes older ones.
const goneAfter = time.Minute

// Config wires a Fleet.
type Config struct {
	// Store is where shares and leases live; nil turns coordination off
	// (this replica does every duty itself, as a lone router).
	Store router.FleetStore
	// Models hold the live state shared: one share per model.
	Models *models.Catalog
	// Sync is how often a replica with peers publishes its share and reads
	// theirs (default 1 s); alone, aloneFactor times less often. 0 with a
	// Store uses the default.
	Sync time.Duration
	// Lead: this replica may lead (it has a dispatcher).
	Lead    bool
	Metrics *metrics.Metrics
	Log     *slog.Logger
	Now     func() time.Time
}

// Fleet is one replica's membership of the fleet.
type Fleet struct {
	cfg     Config
	id      string
	leading atomic.Bool
	// leaderSeen: a fresh share of another replica says it leads.
	leaderSeen atomic.Bool
	replicas   atomic.Int64
	renewEvery time.Duration // RenewEvery; shorter in tests
}

// published is what a replica stores: its live share of each model's
// revisions (by revision key), their answers over the rollback window where
// a model has canaries, the canaries it has rolled back, and whether it
// leads.
type published struct {
	Live       map[string]live.Share        `json:"live"`
	Windows    map[string]models.Window     `json:"windows,omitempty"`
	RolledBack map[string]map[string]string `json:"rolled_back,omitempty"` // model key → revision → why
	Leading    bool                         `json:"leading,omitempty"`
	// At and Every are when it was published and when the next is due.
	At    int64 `json:"at"`
	Every int64 `json:"every"`
}

// New returns this replica's membership; Run and Lead start it.
func New(cfg Config) *Fleet {
	if cfg.Sync <= 0 {
		cfg.Sync = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	f := &Fleet{cfg: cfg, id: router.NewReplicaID(), renewEvery: RenewEvery}
	f.replicas.Store(1)
	return f
}

// ID is this replica's id in the fleet.
func (f *Fleet) ID() string { return f.id }

// Leading reports whether this replica leads now.
func (f *Fleet) Leading() bool { return f.leading.Load() }

// Run publishes this replica's share and reads the others' until ctx ends,
// then removes its share.
func (f *Fleet) Run(ctx context.Context) {
	if f.cfg.Store == nil {
		return
	}
	for {
		every := f.cfg.Sync
		if f.replicas.Load() <= 1 {
			every *= aloneFactor
		}
		f.sync(ctx, every)
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = f.cfg.Store.Remove(rctx, f.id)
			cancel()
			return
		case <-t.C:
		}
	}
}

// sync publishes this replica's share, due again within every, and hands
// the others' to the tracker.
func (f *Fleet) sync(ctx context.Context, every time.Duration) {
	now := f.cfg.Now()
	own := published{Live: map[string]live.Share{}, Windows: map[string]models.Window{}, RolledBack: map[string]map[string]string{},
		Leading: f.leading.Load(), At: now.UnixNano(), Every: int64(every)}
	for _, m := range f.cfg.Models.All() {
		for _, r := range m.Revisions {
			own.Live[r.Key(m)] = r.Tracker.Share(now, every)
			if len(m.Revisions) > 1 {
				own.Windows[r.Key(m)] = r.Stats.Window(now)
			}
		}
		if out := m.RolledBack(); len(out) > 0 {
			own.RolledBack[m.Key] = out
		}
	}
	data, err := encode(own)
	if err == nil {
		err = f.cfg.Store.Publish(ctx, f.id, data)
	}
	if err != nil && ctx.Err() == nil {
		f.cfg.Log.Warn("fleet: share not published; the others count this replica out until the next one", "err", err)
	}
	stored, err := f.cfg.Store.Shares(ctx)
	if err != nil {
		if ctx.Err() == nil {
			f.cfg.Log.Warn("fleet: shares not read; deciding on the last ones read", "err", err)
		}
		return
	}
	peers := map[string][]live.Share{}
	windows := map[string]models.Window{}
	fresh, leader := 1, false
	for _, s := range stored {
		if s.Replica == f.id {
			continue
		}
		p, err := decode(s.Data)
		if err != nil {
			continue // a share this version cannot read counts as none
		}
		age := now.Sub(time.Unix(0, p.At))
		switch {
		case age <= live.Stale(time.Duration(p.Every)):
			for key, share := range p.Live {
				peers[key] = append(peers[key], share)
			}
			for key, w := range p.Windows {
				sum := windows[key]
				sum.Add(w)
				windows[key] = sum
			}
			f.applyRollBacks(p.RolledBack)
			fresh++
			leader = leader || p.Leading
		case age > goneAfter && f.leading.Load():
			_ = f.cfg.Store.Remove(ctx, s.Replica)
		}
	}
	for _, m := range f.cfg.Models.All() {
		for _, r := range m.Revisions {
			r.Tracker.SetPeers(peers[r.Key(m)])
			r.SetPeerWindow(windows[r.Key(m)])
		}
	}
	f.replicas.Store(int64(fresh))
	f.leaderSeen.Store(leader)
	if m := f.cfg.Metrics; m != nil {
		m.FleetReplicas.Set(float64(fresh))
	}
}

// applyRollBacks takes out of this replica's split the canaries another
// replica rolled back: a rollback holds on every replica within a sync.
func (f *Fleet) applyRollBacks(out map[string]map[string]string) {
	for key, revs := range out {
		m, ok := f.cfg.Models.ByKey(key)
		if !ok {
			continue
		}
		for rev, why := range revs {
			if m.RollBack(rev, why) {
				f.cfg.Log.Warn(config.LogRollback, "model", m.Name, "revision", rev, "reason", why, config.LogFieldFrom, "another replica")
			}
		}
	}
}

// Lead runs duty while this replica holds the leader lease, until ctx
// ends. It asks for the lease when no fresh share shows a leader (at most
// every Sync), renews it every RenewEvery, and stops duty — cancels its
// context and waits for it to return — as soon as the lease is lost or
// could have expired, before another replica can take it. On the way out
// it gives the lease up, so the next leader need not wait for it to
// expire. Without a store, or for a replica that may not lead, duty runs
// here (no store) or never (Config.Lead false).
func (f *Fleet) Lead(ctx context.Context, duty func(context.Context)) {
	switch {
	case !f.cfg.Lead:
		return
	case f.cfg.Store == nil:
		f.setLeading(true)
		duty(ctx)
		f.setLeading(false)
		return
	}
	for ctx.Err() == nil {
		if !f.leaderSeen.Load() {
			ok, err := f.cfg.Store.AcquireLease(ctx, leaderLease, f.id, LeaseTTL)
			if err != nil && ctx.Err() == nil {
				f.cfg.Log.Warn("fleet: leader lease not acquired", "err", err)
			}
			if ok {
				f.leadWhileHeld(ctx, duty)
				continue
			}
		}
		wait(ctx, f.cfg.Sync)
	}
}

// leadWhileHeld runs duty from the moment the lease was acquired until it
// is lost or ctx ends.
func (f *Fleet) leadWhileHeld(ctx context.Context, duty func(context.Context)) {
	renewed := f.cfg.Now()
	dctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		duty(dctx)
	}()
	f.setLeading(true)
	f.cfg.Log.Info("fleet: leading", "replica", f.id)
	next := f.renewEvery
	for {
		wait(ctx, next)
		if ctx.Err() != nil {
			break
		}
		err := f.cfg.Store.RenewLease(ctx, leaderLease, f.id)
		if err == nil {
			renewed, next = f.cfg.Now(), f.renewEvery
			continue
		}
		if errors.Is(err, router.ErrLeaseLost) || f.cfg.Now().Sub(renewed) > LeaseTTL-stepDownMargin {
			f.cfg.Log.Warn("fleet: leader lease lost; stepping down", "err", err)
			break
		}
		next = time.Second // storage hiccup: retry soon, within the lease
	}
	stop()
	<-done
	f.setLeading(false)
	if ctx.Err() != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = f.cfg.Store.ReleaseLease(rctx, leaderLease, f.id)
		cancel()
	}
}

func (f *Fleet) setLeading(on bool) {
	f.leading.Store(on)
	if m := f.cfg.Metrics; m != nil {
		m.FleetLeader.Set(map[bool]float64{true: 1}[on])
	}
}

// TakeWake reports whether this replica may wake the GPU app of the model
// with key model now: at most one replica of the fleet may within
// router.MinLease (the lease is left to expire). Without a store it always
// may; when storage fails it may too — a second wake-up costs one request,
// a missing one a cold app.
func (f *Fleet) TakeWake(ctx context.Context, model string) bool {
	if f.cfg.Store == nil {
		return true
	}
	ok, err := f.cfg.Store.AcquireLease(ctx, wakeLease+"-"+model, f.id, router.MinLease)
	if err != nil {
		f.cfg.Log.Warn("fleet: wake lease not read; waking anyway", "err", err)
		return true
	}
	return ok
}

func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// encode is a share as stored: JSON, gzipped — Blob Storage keeps a
// replica's share in 8 KiB of metadata, and the JSON of a few models'
// revisions with their histograms is larger.
func encode(p published) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(p); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decode reads what encode wrote.
func decode(data []byte) (published, error) {
	var p published
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return p, err
	}
	defer zr.Close()
	err = json.NewDecoder(io.LimitReader(zr, 1<<20)).Decode(&p)
	return p, err
}
