package azure

import (
	"context"
	"errors"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Blob leases (Lease Blob, https://learn.microsoft.com/rest/api/storageservices/lease-blob):
// a lease lasts 15 to 60 seconds unless renewed, and while it is held a
// write without its id is refused.

func (b *Blobs) leaseClient(container, name, id string) (*lease.BlobClient, error) {
	opts := &lease.BlobClientOptions{}
	if id != "" {
		opts.LeaseID = &id
	}
	return lease.NewBlobClient(b.blob(container, name), opts)
}

// Lease implements router.BlobStore.
func (b *Blobs) Lease(ctx context.Context, container, name string, d time.Duration) (string, bool, error) {
	return b.acquireLease(ctx, container, name, "", d)
}

// acquireLease leases a blob for d under the proposed id (Azure's when
// ""): with a proposed id, acquiring a lease one holds renews it. It
// reports false, and no error, when another holder has the lease.
func (b *Blobs) acquireLease(ctx context.Context, container, name, proposed string, d time.Duration) (string, bool, error) {
	lc, err := b.leaseClient(container, name, proposed)
	if err != nil {
		return "", false, asUnavailable("lease blob "+container+"/"+name, err)
	}
	resp, err := lc.AcquireLease(ctx, int32(d/time.Second), nil)
	switch {
	case err == nil && resp.LeaseID != nil:
		return *resp.LeaseID, true, nil
	case bloberror.HasCode(err, bloberror.LeaseAlreadyPresent) || statusOf(err) == 409:
		return "", false, nil
	case bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound):
		return "", false, notFound(container, name, err)
	}
	return "", false, asUnavailable("lease blob "+container+"/"+name, err)
}

// Renew implements router.BlobStore.
func (b *Blobs) Renew(ctx context.Context, container, name, id string) error {
	lc, err := b.leaseClient(container, name, id)
	if err == nil {
		_, err = lc.RenewLease(ctx, nil)
	}
	return leaseError("renew the lease of "+container+"/"+name, err)
}

// Unlease implements router.BlobStore.
func (b *Blobs) Unlease(ctx context.Context, container, name, id string) error {
	lc, err := b.leaseClient(container, name, id)
	if err == nil {
		_, err = lc.ReleaseLease(ctx, nil)
	}
	// A lease not held (any more), or a blob gone: nothing to give up.
	if err := leaseError("release the lease of "+container+"/"+name, err); err != nil &&
		router.ErrorCode(err) != router.ENotFound && !errors.Is(err, router.ErrLeaseLost) {
		return err
	}
	return nil
}

// PutLeased implements router.BlobStore.
func (b *Blobs) PutLeased(ctx context.Context, container, name, id string, data []byte) error {
	_, err := b.blob(container, name).UploadBuffer(ctx, data, &blockblob.UploadBufferOptions{
		AccessConditions: &blob.AccessConditions{LeaseAccessConditions: &blob.LeaseAccessConditions{LeaseID: to.Ptr(id)}},
	})
	return leaseError("write blob "+container+"/"+name, err)
}

// leaseError maps the service's lease refusals (412 and 409 with a lease
// code) to ErrLeaseLost.
func leaseError(what string, err error) error {
	if err == nil {
		return nil
	}
	if bloberror.HasCode(err, bloberror.LeaseIDMismatchWithLeaseOperation, bloberror.LeaseIDMismatchWithBlobOperation,
		bloberror.LeaseLost, bloberror.LeaseNotPresentWithBlobOperation, bloberror.LeaseNotPresentWithLeaseOperation,
		bloberror.LeaseIDMissing, bloberror.LeaseAlreadyPresent) || statusOf(err) == 412 {
		return router.WrapError(router.EUnavailable, what+": the lease was lost", errors.Join(router.ErrLeaseLost, err))
	}
	return asUnavailable(what, err)
}
