package azure

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Blobs is a router.PayloadStore on Azure Blob Storage.
type Blobs struct {
	c *azblob.Client
}

var _ router.PayloadStore = (*Blobs)(nil)

func (b *Blobs) blob(container, name string) *blockblob.Client {
	return b.c.ServiceClient().NewContainerClient(container).NewBlockBlobClient(name)
}

// Put implements router.PayloadStore.
func (b *Blobs) Put(ctx context.Context, container, name string, data []byte) error {
	_, err := b.blob(container, name).UploadBuffer(ctx, data, nil)
	return asUnavailable("write blob "+container+"/"+name, err)
}

// putIfAbsent writes the blob only if it does not exist; created reports
// whether it did.
func (b *Blobs) putIfAbsent(ctx context.Context, container, name string, data []byte) (created bool, err error) {
	_, err = b.blob(container, name).UploadBuffer(ctx, data, &blockblob.UploadBufferOptions{
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to.Ptr(azcore.ETagAny)}},
	})
	if err == nil {
		return true, nil
	}
	if bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) || statusOf(err) == 409 || statusOf(err) == 412 {
		return false, nil
	}
	return false, asUnavailable("create blob "+container+"/"+name, err)
}

// Get implements router.PayloadStore.
func (b *Blobs) Get(ctx context.Context, container, name string) ([]byte, error) {
	data, _, err := b.getWithETag(ctx, container, name)
	return data, err
}

// getWithETag returns the blob and the ETag of the version read.
func (b *Blobs) getWithETag(ctx context.Context, container, name string) ([]byte, azcore.ETag, error) {
	resp, err := b.blob(container, name).DownloadStream(ctx, nil)
	if err != nil {
		if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
			return nil, "", notFound(container, name, err)
		}
		return nil, "", asUnavailable("read blob "+container+"/"+name, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if resp.ContentLength != nil && *resp.ContentLength > 0 {
		buf.Grow(int(*resp.ContentLength))
	}
	if _, err := io.Copy(&buf, resp.Body); err != nil {
		return nil, "", asUnavailable("read blob "+container+"/"+name, err)
	}
	var etag azcore.ETag
	if resp.ETag != nil {
		etag = *resp.ETag
	}
	return buf.Bytes(), etag, nil
}

// putIfMatch replaces the blob only if it is still at etag; replaced
// reports whether it was.
func (b *Blobs) putIfMatch(ctx context.Context, container, name string, data []byte, etag azcore.ETag) (replaced bool, err error) {
	_, err = b.blob(container, name).UploadBuffer(ctx, data, &blockblob.UploadBufferOptions{
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: to.Ptr(etag)}},
	})
	if err == nil {
		return true, nil
	}
	if bloberror.HasCode(err, bloberror.ConditionNotMet) || statusOf(err) == 412 {
		return false, nil
	}
	return false, asUnavailable("replace blob "+container+"/"+name, err)
}

// ContainerURL is the URL of a container, for Batch resource and output files.
func (b *Blobs) ContainerURL(container string) string {
	return b.c.ServiceClient().NewContainerClient(container).URL()
}

func (b *Blobs) ensure(ctx context.Context, container string) error {
	_, err := b.c.CreateContainer(ctx, container, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return fmt.Errorf("create container %s: %w", container, err)
	}
	return nil
}
