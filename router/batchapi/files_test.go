package batchapi

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Uploads over a limit are refused as they stream, and nothing is stored:
// no file object, no bytes.
func TestUploadLimitsStoreNothing(t *testing.T) {
	f := newFixture(t, Config{MaxFileBytes: 100, MaxLines: 2})
	cases := []struct {
		name, purpose, data, code string
	}{
		{"wrong purpose", "fine-tune", "{}\n", router.EBadRequest},
		{"too large", "batch", strings.Repeat("x", 101), router.EPayloadTooLarge},
		{"too many lines", "batch", "{}\n{}\n\n{}\n", router.EBadRequest},
		{"empty", "batch", "\n \n", router.EBadRequest},
	}
	for _, c := range cases {
		if _, err := f.svc.UploadFile(t.Context(), "in.jsonl", strings.NewReader(c.data), purpose(c.purpose)); router.ErrorCode(err) != c.code {
			t.Errorf("%s: %v; want %s", c.name, err, c.code)
		}
	}
	if left := f.svc.mustList(t, filesPrefix); len(left) != 0 {
		t.Fatalf("refused uploads left %v", left)
	}
	boom := errors.New("the client went away")
	if _, err := f.svc.UploadFile(t.Context(), "in.jsonl", io.MultiReader(strings.NewReader("{}\n"), &failing{boom}), purpose("batch")); !errors.Is(err, boom) {
		t.Fatalf("an upload cut short: %v; want the reader's error", err)
	}
	file, err := f.svc.UploadFile(t.Context(), strings.Repeat("é", 300), strings.NewReader("{}\n\n{}\n"), purpose("batch"))
	if err != nil || file.Bytes != 7 || file.Purpose != "batch" || file.Status != "processed" || len([]rune(file.Filename)) != maxFilename {
		t.Fatalf("two lines: %+v, %v", file, err)
	}
	_, rc, err := f.svc.FileContent(t.Context(), file.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	if string(b) != "{}\n\n{}\n" {
		t.Fatalf("content %q", b)
	}
	if _, err := f.svc.File(t.Context(), "file-../../secrets"); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("a malformed id: %v; want not_found", err)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

// GET /v1/files: newest first (or oldest with asc), by purpose, paged with
// after and limit; DELETE removes the object and the bytes.
func TestListAndDeleteFiles(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 10})
	var ids []string
	for range 3 {
		ids = append(ids, f.upload(t, chat("a")))
		f.now = f.now.Add(time.Second)
	}
	b := f.create(t, ids[0])
	f.step(t, b.ID)
	f.answer(t, f.queued(t)[0])
	f.now = f.now.Add(time.Second)
	f.step(t, b.ID)
	out := *f.batch(t, b.ID).OutputFileID
	list := func(q router.FileQuery) []string {
		t.Helper()
		page, err := f.svc.ListFiles(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range page.Data {
			got = append(got, d.ID)
		}
		if len(got) > 0 && (*page.FirstID != got[0] || *page.LastID != got[len(got)-1]) {
			t.Fatalf("first/last %s/%s of %v", *page.FirstID, *page.LastID, got)
		}
		return got
	}
	want := func(got []string, w ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(w, ",") {
			t.Fatalf("listed %v; want %v", got, w)
		}
	}
	want(list(router.FileQuery{Limit: 100}), out, ids[2], ids[1], ids[0])
	want(list(router.FileQuery{Limit: 100, Ascending: true}), ids[0], ids[1], ids[2], out)
	want(list(router.FileQuery{Limit: 100, Purpose: router.PurposeBatch}), ids[2], ids[1], ids[0])
	want(list(router.FileQuery{Limit: 100, Purpose: router.PurposeBatchOutput}), out)
	want(list(router.FileQuery{Limit: 2, After: out}), ids[2], ids[1])
	want(list(router.FileQuery{Limit: 2, After: ids[1], Ascending: true}), ids[2], out)
	page, _ := f.svc.ListFiles(t.Context(), router.FileQuery{Limit: 2})
	if !page.HasMore {
		t.Fatal("has_more false with two of four listed")
	}
	if _, err := f.svc.ListFiles(t.Context(), router.FileQuery{Limit: 2, After: "x"}); router.ErrorCode(err) != router.EBadRequest {
		t.Fatalf("after that is not a file id: %v", err)
	}

	del, err := f.svc.DeleteFile(t.Context(), ids[1])
	if err != nil || !del.Deleted || del.ID != ids[1] || del.Object != "file" {
		t.Fatalf("delete: %+v %v", del, err)
	}
	if _, err := f.svc.File(t.Context(), ids[1]); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("deleted file: %v", err)
	}
	if _, _, err := f.svc.FileContent(t.Context(), ids[1]); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("deleted file's content: %v", err)
	}
	if _, err := f.svc.DeleteFile(t.Context(), ids[1]); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("second delete: %v; want not_found", err)
	}
	want(list(router.FileQuery{Limit: 100}), out, ids[2], ids[0])
}

// A batch that ends within the second its input was uploaded lists its
// output file first, newest first, as it does a second later.
func TestAnOutputWrittenInTheInputsSecondListsFirst(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 10})
	f.now = f.now.Add(100 * time.Millisecond)
	in := f.upload(t, chat("a"))
	b := f.create(t, in)
	f.step(t, b.ID)
	f.answer(t, f.queued(t)[0])
	f.now = f.now.Add(500 * time.Millisecond)
	f.step(t, b.ID)
	out := f.batch(t, b.ID).OutputFileID
	if out == nil {
		t.Fatal("no output file")
	}
	page, err := f.svc.ListFiles(t.Context(), router.FileQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range page.Data {
		got = append(got, d.ID)
	}
	if !slices.Equal(got, []string{*out, in}) {
		t.Fatalf("listed %v; want the output %s, then the input %s", got, *out, in)
	}
}
