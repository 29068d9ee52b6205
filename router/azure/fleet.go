package azure

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Fleet is a router.FleetStore on Blob Storage, under fleet/ in one
// container: a replica's share is the metadata of an empty blob
// (fleet/replicas/<id>), so one listing with metadata reads every replica's;
// a lease is a blob lease on an empty blob (fleet/leases/<name>).
type Fleet struct {
	Blobs     *Blobs
	Container string
}

var _ router.FleetStore = (*Fleet)(nil)

const (
	fleetReplicas = "fleet/replicas/"
	fleetLeases   = "fleet/leases/"
	// shareKey is the metadata key of a share, base64 (metadata values are
	// HTTP header values: ASCII, no line breaks).
	shareKey = "share"
)

func (f *Fleet) blob(name string) *blockblob.Client { return f.Blobs.blob(f.Container, name) }

// Publish implements router.FleetStore: one write.
func (f *Fleet) Publish(ctx context.Context, replica string, share []byte) error {
	_, err := f.blob(fleetReplicas+replica).UploadBuffer(ctx, nil, &blockblob.UploadBufferOptions{
		Metadata: map[string]*string{shareKey: to.Ptr(base64.StdEncoding.EncodeToString(share))},
	})
	return asUnavailable("publish the replica's share", err)
}

// Shares implements router.FleetStore: one listing for up to 5,000 replicas.
func (f *Fleet) Shares(ctx context.Context) ([]router.StoredShare, error) {
	prefix := fleetReplicas
	pager := f.Blobs.c.ServiceClient().NewContainerClient(f.Container).NewListBlobsFlatPager(&container.ListBlobsFlatOptions{
		Prefix: &prefix, Include: container.ListBlobsInclude{Metadata: true},
	})
	var out []router.StoredShare
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, asUnavailable("list the replicas' shares", err)
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil {
				continue
			}
			var enc string
			for k, v := range it.Metadata {
				if strings.EqualFold(k, shareKey) && v != nil {
					enc = *v
				}
			}
			data, err := base64.StdEncoding.DecodeString(enc)
			if err != nil {
				continue // a share this version cannot read counts as none
			}
			out = append(out, router.StoredShare{Replica: strings.TrimPrefix(*it.Name, prefix), Data: data})
		}
	}
	return out, nil
}

// Remove implements router.FleetStore.
func (f *Fleet) Remove(ctx context.Context, replica string) error {
	return f.Blobs.Delete(ctx, f.Container, fleetReplicas+replica)
}

// AcquireLease implements router.FleetStore, on the blob leases of
// bloblease.go with the holder as the lease id: acquiring a lease one
// already holds renews it.
func (f *Fleet) AcquireLease(ctx context.Context, name, holder string, d time.Duration) (bool, error) {
	if d < router.MinLease || d > router.MaxLease {
		return false, fmt.Errorf("lease %s: duration %s: want %s to %s", name, d, router.MinLease, router.MaxLease)
	}
	_, ok, err := f.Blobs.acquireLease(ctx, f.Container, fleetLeases+name, holder, d)
	if router.ErrorCode(err) == router.ENotFound {
		// The lease's blob is created once, by whichever replica comes first.
		if _, cerr := f.Blobs.putIfAbsent(ctx, f.Container, fleetLeases+name, nil); cerr != nil {
			return false, cerr
		}
		_, ok, err = f.Blobs.acquireLease(ctx, f.Container, fleetLeases+name, holder, d)
	}
	return ok, err
}

// RenewLease implements router.FleetStore.
func (f *Fleet) RenewLease(ctx context.Context, name, holder string) error {
	return f.Blobs.Renew(ctx, f.Container, fleetLeases+name, holder)
}

// ReleaseLease implements router.FleetStore.
func (f *Fleet) ReleaseLease(ctx context.Context, name, holder string) error {
	return f.Blobs.Unlease(ctx, f.Container, fleetLeases+name, holder)
}
