package storetest

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// blobs is the contract of router.BlobStore: streamed and ranged bytes,
// create-once with metadata, listing, and leases that fence writers.
func blobs(t *testing.T, b router.BlobStore, c string) {
	ctx := t.Context()
	// Upload streams; larger than one block of the Azure adapter.
	big := bytes.Repeat([]byte("0123456789abcdef"), 5<<20/16+7)
	if n, err := b.Upload(ctx, c, "s/big", bytes.NewReader(big)); err != nil || n != int64(len(big)) {
		t.Fatalf("upload: %d %v", n, err)
	}
	for _, r := range []struct{ off, n int64 }{{0, -1}, {5, 10}, {int64(len(big)) - 3, -1}, {4 << 20, 100}} {
		rc, err := b.Open(ctx, c, "s/big", r.off, r.n)
		if err != nil {
			t.Fatalf("open %+v: %v", r, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		want := big[r.off:]
		if r.n >= 0 {
			want = want[:r.n]
		}
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("range %+v: %d bytes %v, want %d", r, len(got), err, len(want))
		}
	}
	if _, err := b.Open(ctx, c, "s/missing", 0, -1); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("open of a missing blob: %v, want not_found", err)
	}
	boom := errors.New("the client went away")
	if _, err := b.Upload(ctx, c, "s/failed", io.MultiReader(strings.NewReader("part"), &failing{boom})); !errors.Is(err, boom) {
		t.Fatalf("upload from a failing reader: %v, want its error", err)
	}
	if _, err := b.Get(ctx, c, "s/failed"); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("a failed upload left a blob: %v", err)
	}

	// Create: the first writer wins; the blob and its metadata stay.
	if ok, err := b.Create(ctx, c, "s/once", []byte("first"), map[string]string{"lines": "3"}); err != nil || !ok {
		t.Fatalf("create: %v %v", ok, err)
	}
	if ok, err := b.Create(ctx, c, "s/once", []byte("second"), map[string]string{"lines": "4"}); err != nil || ok {
		t.Fatalf("second create: %v %v, want refused", ok, err)
	}
	entries, err := b.List(ctx, c, "s/")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
		if e.Name == "s/once" && (e.Size != 5 || e.Meta["lines"] != "3") {
			t.Fatalf("listed %+v, want size 5 and the first writer's metadata", e)
		}
	}
	if strings.Join(names, ",") != "s/big,s/once" {
		t.Fatalf("list: %v, want s/big,s/once in order", names)
	}
	if err := b.Delete(ctx, c, "s/big"); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, c, "s/big"); err != nil {
		t.Fatalf("delete of a missing blob: %v", err)
	}

	// Leases: one holder; writes need its id; given up, another may take it.
	if err := b.Put(ctx, c, "s/rec", []byte("v0")); err != nil {
		t.Fatal(err)
	}
	id, ok, err := b.Lease(ctx, c, "s/rec", 15*time.Second)
	if err != nil || !ok || id == "" {
		t.Fatalf("lease: %q %v %v", id, ok, err)
	}
	if _, ok, err := b.Lease(ctx, c, "s/rec", 15*time.Second); err != nil || ok {
		t.Fatalf("second lease: %v %v, want refused while held", ok, err)
	}
	if err := b.PutLeased(ctx, c, "s/rec", id, []byte("v1")); err != nil {
		t.Fatalf("write with the lease: %v", err)
	}
	if err := b.Renew(ctx, c, "s/rec", id); err != nil {
		t.Fatalf("renew: %v", err)
	}
	if err := b.PutLeased(ctx, c, "s/rec", "00000000-0000-0000-0000-000000000000", []byte("v2")); !errors.Is(err, router.ErrLeaseLost) {
		t.Fatalf("write with another lease id: %v, want ErrLeaseLost", err)
	}
	if err := b.Put(ctx, c, "s/rec", []byte("v3")); err == nil {
		t.Fatal("a write without the lease succeeded while it was held")
	}
	if got, _ := b.Get(ctx, c, "s/rec"); string(got) != "v1" {
		t.Fatalf("leased blob %q, want the holder's v1", got)
	}
	if err := b.Unlease(ctx, c, "s/rec", id); err != nil {
		t.Fatal(err)
	}
	if err := b.PutLeased(ctx, c, "s/rec", id, []byte("v4")); !errors.Is(err, router.ErrLeaseLost) {
		t.Fatalf("write with a released lease: %v, want ErrLeaseLost", err)
	}
	id2, ok, err := b.Lease(ctx, c, "s/rec", 15*time.Second)
	if err != nil || !ok || id2 == id {
		t.Fatalf("lease after release: %q %v %v", id2, ok, err)
	}
	if err := b.Renew(ctx, c, "s/rec", id); !errors.Is(err, router.ErrLeaseLost) {
		t.Fatalf("renew of a lease another took: %v, want ErrLeaseLost", err)
	}
	_ = b.Unlease(ctx, c, "s/rec", id2)
	if _, _, err := b.Lease(ctx, c, "s/none", 15*time.Second); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("lease of a missing blob: %v, want not_found", err)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }
