package router

import (
	"context"
	"time"
)

// Router replicas are a fleet: each publishes what it knows of its traffic
// (a share) where the others read it, so that every replica decides on the
// fleet's load, and the duties that must happen once (running the pool's
// micro-batches, keeping the app warm, advancing OpenAI batches) are led by
// the one replica that holds a lease. Storage is the shared, durable place
// both live in: the deployment already has it.

// StoredShare is a replica's last published share.
type StoredShare struct {
	Replica string
	Data    []byte
}

// FleetStore is where replicas publish their shares and hold leases.
//
// A lease is held by one holder at a time for its duration unless renewed;
// a holder id is a UUID (NewReplicaID), as Azure's leases require. Errors:
// unavailable when storage cannot be reached; ErrLeaseLost from RenewLease
// when the lease is no longer the holder's.
type FleetStore interface {
	// Publish stores replica's share, replacing its last one.
	Publish(ctx context.Context, replica string, share []byte) error
	// Shares returns every stored share, the publisher's own included.
	Shares(ctx context.Context) ([]StoredShare, error)
	// Remove deletes replica's share; removing a missing one is no error.
	Remove(ctx context.Context, replica string) error
	// AcquireLease takes the lease name for holder for d (15 s to 60 s),
	// creating what it needs. It reports false, and no error, when another
	// holder has it.
	AcquireLease(ctx context.Context, name, holder string, d time.Duration) (bool, error)
	// RenewLease extends holder's lease by its duration again.
	RenewLease(ctx context.Context, name, holder string) error
	// ReleaseLease gives holder's lease up at once.
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Lease durations Azure Storage accepts for a blob lease (other than
// infinite): a lease of a dead holder frees itself within MaxLease.
const (
	MinLease = 15 * time.Second
	MaxLease = 60 * time.Second
)

// NewReplicaID returns a random UUID (version 4) naming one router process.
func NewReplicaID() string {
	h := []byte(RandomHex(16))
	h[12] = '4'
	h[16] = "89ab"[h[16]%4]
	return string(h[0:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:32])
}
