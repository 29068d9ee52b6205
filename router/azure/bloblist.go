package azure

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

var _ router.BlobStore = (*Blobs)(nil)

// List implements router.BlobStore: Blob Storage lists names in
// lexicographic order, 5,000 a page, metadata included on request.
func (b *Blobs) List(ctx context.Context, containerName, prefix string) ([]router.BlobEntry, error) {
	pager := b.c.ServiceClient().NewContainerClient(containerName).NewListBlobsFlatPager(&container.ListBlobsFlatOptions{
		Prefix: &prefix, Include: container.ListBlobsInclude{Metadata: true},
	})
	var out []router.BlobEntry
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, asUnavailable("list blobs "+containerName+"/"+prefix, err)
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil {
				continue
			}
			e := router.BlobEntry{Name: *it.Name}
			if it.Properties != nil && it.Properties.ContentLength != nil {
				e.Size = *it.Properties.ContentLength
			}
			for k, v := range it.Metadata {
				if v != nil {
					if e.Meta == nil {
						e.Meta = map[string]string{}
					}
					e.Meta[k] = *v
				}
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// Create implements router.BlobStore: Put Blob with If-None-Match: *, which
// the service applies atomically.
func (b *Blobs) Create(ctx context.Context, containerName, name string, data []byte, meta map[string]string) (bool, error) {
	md := make(map[string]*string, len(meta))
	for k, v := range meta {
		md[k] = to.Ptr(v)
	}
	_, err := b.blob(containerName, name).UploadBuffer(ctx, data, &blockblob.UploadBufferOptions{
		Metadata:         md,
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to.Ptr(azcore.ETagAny)}},
	})
	if err == nil {
		return true, nil
	}
	if bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) || statusOf(err) == 409 || statusOf(err) == 412 {
		return false, nil
	}
	return false, asUnavailable("create blob "+containerName+"/"+name, err)
}

// Delete implements router.BlobStore.
func (b *Blobs) Delete(ctx context.Context, containerName, name string) error {
	_, err := b.blob(containerName, name).Delete(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.BlobNotFound) {
		return asUnavailable("delete blob "+containerName+"/"+name, err)
	}
	return nil
}
