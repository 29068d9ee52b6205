package mem

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Fleet is an in-memory router.FleetStore whose leases expire on Now's
// clock, as blob leases do. Fail, when set, makes every call fail with
// unavailable.
type Fleet struct {
	mu     sync.Mutex
	shares map[string][]byte
	leases map[string]heldLease
	Fail   atomic.Bool
	// Now is the clock leases follow; time.Now when nil.
	Now func() time.Time
}

type heldLease struct {
	holder string
	d      time.Duration
	until  time.Time
}

var _ router.FleetStore = (*Fleet)(nil)

func (f *Fleet) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fleet) check(what string) error {
	if f.Fail.Load() {
		return router.Errorf(router.EUnavailable, "%s failed: storage unreachable (mem.Fleet.Fail)", what)
	}
	return nil
}

// Publish implements router.FleetStore.
func (f *Fleet) Publish(_ context.Context, replica string, share []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("publish"); err != nil {
		return err
	}
	if f.shares == nil {
		f.shares = map[string][]byte{}
	}
	f.shares[replica] = slices.Clone(share)
	return nil
}

// Shares implements router.FleetStore.
func (f *Fleet) Shares(context.Context) ([]router.StoredShare, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("list shares"); err != nil {
		return nil, err
	}
	out := make([]router.StoredShare, 0, len(f.shares))
	for r, d := range f.shares {
		out = append(out, router.StoredShare{Replica: r, Data: slices.Clone(d)})
	}
	return out, nil
}

// Remove implements router.FleetStore.
func (f *Fleet) Remove(_ context.Context, replica string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("remove"); err != nil {
		return err
	}
	delete(f.shares, replica)
	return nil
}

// AcquireLease implements router.FleetStore.
func (f *Fleet) AcquireLease(_ context.Context, name, holder string, d time.Duration) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("acquire lease"); err != nil {
		return false, err
	}
	if d < router.MinLease || d > router.MaxLease {
		return false, fmt.Errorf("lease %s: duration %s: want %s to %s", name, d, router.MinLease, router.MaxLease)
	}
	now := f.now()
	if l, ok := f.leases[name]; ok && l.holder != holder && now.Before(l.until) {
		return false, nil
	}
	if f.leases == nil {
		f.leases = map[string]heldLease{}
	}
	f.leases[name] = heldLease{holder: holder, d: d, until: now.Add(d)}
	return true, nil
}

// RenewLease implements router.FleetStore: as in Azure, an expired lease
// may be renewed while no other holder has taken it.
func (f *Fleet) RenewLease(_ context.Context, name, holder string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("renew lease"); err != nil {
		return err
	}
	l, ok := f.leases[name]
	if !ok || l.holder != holder {
		return fmt.Errorf("renew the lease %s: %w", name, router.ErrLeaseLost)
	}
	l.until = f.now().Add(l.d)
	f.leases[name] = l
	return nil
}

// ReleaseLease implements router.FleetStore.
func (f *Fleet) ReleaseLease(_ context.Context, name, holder string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("release lease"); err != nil {
		return err
	}
	if l, ok := f.leases[name]; ok && l.holder == holder {
		delete(f.leases, name)
	}
	return nil
}
