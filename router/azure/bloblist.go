package azure

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

var _ router.ListingStore = (*Blobs)(nil)

// List implements router.ListingStore; Blob Storage lists names in
// lexicographic order.
func (b *Blobs) List(ctx context.Context, containerName, prefix string) ([]string, error) {
	pager := b.c.ServiceClient().NewContainerClient(containerName).NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	var names []string
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, asUnavailable("list blobs "+containerName+"/"+prefix, err)
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name != nil {
				names = append(names, *it.Name)
			}
		}
	}
	return names, nil
}

// Delete implements router.ListingStore.
func (b *Blobs) Delete(ctx context.Context, containerName, name string) error {
	_, err := b.blob(containerName, name).Delete(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.BlobNotFound) {
		return asUnavailable("delete blob "+containerName+"/"+name, err)
	}
	return nil
}
