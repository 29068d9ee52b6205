package mem

import (
	"context"
	"sort"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

var _ router.ListingStore = (*Blobs)(nil)

// List implements router.ListingStore.
func (b *Blobs) List(_ context.Context, container, prefix string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var names []string
	for k := range b.blobs {
		if name, ok := strings.CutPrefix(k, container+"/"); ok && strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// Delete implements router.ListingStore.
func (b *Blobs) Delete(_ context.Context, container, name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.blobs, container+"/"+name)
	return nil
}
