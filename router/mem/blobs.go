package mem

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Blobs is an in-memory router.BlobStore. Its leases follow Now (time.Now
// when nil) and, as in Blob Storage, a leased blob refuses writes without
// the lease's id.
type Blobs struct {
	mu    sync.Mutex
	blobs map[string]*blob
	// Now is the clock leases expire by; time.Now when nil.
	Now func() time.Time
}

type blob struct {
	data       []byte
	meta       map[string]string
	lease      string
	leaseFor   time.Duration
	leaseUntil time.Time
}

var _ router.BlobStore = (*Blobs)(nil)

func (b *Blobs) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

func key(container, name string) string { return container + "/" + name }

// leased reports whether another lease than id holds bl now.
func (b *Blobs) leased(bl *blob, id string) bool {
	return bl != nil && bl.lease != "" && bl.lease != id && b.now().Before(bl.leaseUntil)
}

func (b *Blobs) put(container, name string, data []byte, meta map[string]string, leaseID string) error {
	if b.blobs == nil {
		b.blobs = map[string]*blob{}
	}
	old := b.blobs[key(container, name)]
	if b.leased(old, leaseID) || (leaseID != "" && (old == nil || old.lease != leaseID)) {
		return router.WrapError(router.EUnavailable, "write blob "+container+"/"+name+": the lease was lost", router.ErrLeaseLost)
	}
	nb := &blob{data: bytes.Clone(data), meta: maps.Clone(meta)}
	if old != nil {
		nb.lease, nb.leaseFor, nb.leaseUntil = old.lease, old.leaseFor, old.leaseUntil
	}
	b.blobs[key(container, name)] = nb
	return nil
}

// Put implements router.PayloadStore.
func (b *Blobs) Put(_ context.Context, container, name string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.put(container, name, data, nil, "")
}

// Get implements router.PayloadStore.
func (b *Blobs) Get(_ context.Context, container, name string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bl, ok := b.blobs[key(container, name)]
	if !ok {
		return nil, router.Errorf(router.ENotFound, "no blob %s/%s", container, name)
	}
	return bl.data, nil
}

// Upload implements router.BlobStore.
func (b *Blobs) Upload(_ context.Context, container, name string, r io.Reader) (int64, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return int64(len(data)), err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return int64(len(data)), b.put(container, name, data, nil, "")
}

// Open implements router.BlobStore.
func (b *Blobs) Open(ctx context.Context, container, name string, offset, length int64) (io.ReadCloser, error) {
	data, err := b.Get(ctx, container, name)
	if err != nil {
		return nil, err
	}
	data = data[min(offset, int64(len(data))):]
	if length >= 0 {
		data = data[:min(length, int64(len(data)))]
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Create implements router.BlobStore.
func (b *Blobs) Create(_ context.Context, container, name string, data []byte, meta map[string]string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.blobs[key(container, name)]; ok {
		return false, nil
	}
	return true, b.put(container, name, data, meta, "")
}

// List implements router.BlobStore.
func (b *Blobs) List(_ context.Context, container, prefix string) ([]router.BlobEntry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []router.BlobEntry
	for k, bl := range b.blobs {
		if name, ok := strings.CutPrefix(k, container+"/"); ok && strings.HasPrefix(name, prefix) {
			out = append(out, router.BlobEntry{Name: name, Size: int64(len(bl.data)), Meta: maps.Clone(bl.meta)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Delete implements router.BlobStore.
func (b *Blobs) Delete(_ context.Context, container, name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.blobs, key(container, name))
	return nil
}

// Lease implements router.BlobStore.
func (b *Blobs) Lease(_ context.Context, container, name string, d time.Duration) (string, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bl, ok := b.blobs[key(container, name)]
	if !ok {
		return "", false, router.Errorf(router.ENotFound, "no blob %s/%s", container, name)
	}
	if b.leased(bl, "") {
		return "", false, nil
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	bl.lease, bl.leaseFor, bl.leaseUntil = hex.EncodeToString(id[:]), d, b.now().Add(d)
	return bl.lease, true, nil
}

// errLost is a lease call whose lease is not the blob's.
var errLost = router.WrapError(router.EUnavailable, "the lease was lost", router.ErrLeaseLost)

// Renew implements router.BlobStore. As in Blob Storage, an expired lease
// is renewed if nobody leased the blob since.
func (b *Blobs) Renew(_ context.Context, container, name, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	bl, ok := b.blobs[key(container, name)]
	if !ok || bl.lease != id {
		return errLost
	}
	bl.leaseUntil = b.now().Add(bl.leaseFor)
	return nil
}

// Unlease implements router.BlobStore.
func (b *Blobs) Unlease(_ context.Context, container, name, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if bl, ok := b.blobs[key(container, name)]; ok && bl.lease == id {
		bl.lease = ""
	}
	return nil
}

// PutLeased implements router.BlobStore.
func (b *Blobs) PutLeased(_ context.Context, container, name, id string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	bl := b.blobs[key(container, name)]
	if bl == nil || bl.lease != id || b.leased(bl, id) {
		return errLost
	}
	return b.put(container, name, data, bl.meta, id)
}
