package router

import (
	"context"
	"errors"
	"io"
	"time"
)

// BlobEntry is a blob found by listing: its name, size and metadata.
type BlobEntry struct {
	Name string
	Size int64
	// Meta is the metadata Create stored with the blob (lowercase keys).
	Meta map[string]string
}

// ErrLeaseLost is in the chain of an error from a leased call whose lease
// is no longer held: it expired and another caller took the blob.
var ErrLeaseLost = errors.New("the lease is no longer held")

// BlobStore is the storage the Batch API keeps its files, chunks and batch
// records in: a PayloadStore that also streams, creates once, lists, deletes
// and leases. Several router replicas share one store; leases and Create
// are how they agree on who does what.
type BlobStore interface {
	PayloadStore
	// Upload stores what r yields under name, replacing it, without
	// holding it whole in memory, and returns its size. An error from r
	// stays in the chain unchanged; nothing is stored then.
	// Errors: unavailable.
	Upload(ctx context.Context, container, name string, r io.Reader) (int64, error)
	// Open reads a blob from offset, length bytes (to its end when
	// length < 0), streamed. Errors: not_found, unavailable.
	Open(ctx context.Context, container, name string, offset, length int64) (io.ReadCloser, error)
	// Create stores data and meta under name only if no blob has that name
	// yet, and reports whether it did: of writers racing for a name, one
	// wins and the blob never changes after. Errors: unavailable.
	Create(ctx context.Context, container, name string, data []byte, meta map[string]string) (bool, error)
	// List returns the blobs under prefix in lexicographic order of name.
	// Errors: unavailable.
	List(ctx context.Context, container, prefix string) ([]BlobEntry, error)
	// Delete removes a blob; one that does not exist is not an error.
	// Errors: unavailable.
	Delete(ctx context.Context, container, name string) error
	// Lease takes an exclusive lease on an existing blob for d (15 s to
	// 60 s) and returns its id; ok is false when another holds it.
	// Errors: not_found, unavailable.
	Lease(ctx context.Context, container, name string, d time.Duration) (id string, ok bool, err error)
	// Renew extends a held lease by its duration. Errors: unavailable with
	// ErrLeaseLost, unavailable.
	Renew(ctx context.Context, container, name, id string) error
	// Unlease gives a lease up. Errors: unavailable.
	Unlease(ctx context.Context, container, name, id string) error
	// PutLeased replaces a leased blob, only while the lease id holds it.
	// Errors: unavailable with ErrLeaseLost, unavailable.
	PutLeased(ctx context.Context, container, name, id string, data []byte) error
}
