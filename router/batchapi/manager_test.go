package batchapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/mem"
)

// A batch is cut into chunks of ChunkLines; at most Window of them are
// queued at once, more as they finish; request_counts follow the chunks;
// the output file holds every answer once, the error file the lines the
// command failed on alone.
func TestChunksRunThroughAWindowAndAssembleTheFiles(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 10, Window: func() int { return 3 }})
	b := f.create(t, f.upload(t, chats(95)...))
	f.step(t, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchInProgress || got.RequestCounts != (router.RequestCounts{Total: 95}) || got.InProgressAt == nil {
		t.Fatalf("after validation: %s %+v", got.Status, got.RequestCounts)
	}
	if n := len(f.svc.mustList(t, chunksPrefix(b.ID))); n != 10 {
		t.Fatalf("%d chunks stored; want 10 (95 lines, 10 a chunk)", n)
	}
	seen := map[int]bool{}
	for round := 0; ; round++ {
		refs := f.queued(t)
		if len(refs) > 3 {
			t.Fatalf("round %d: %d chunks queued at once; the window is 3", round, len(refs))
		}
		if len(refs) == 0 {
			break
		}
		for _, c := range refs {
			if seen[c.Index] {
				t.Fatalf("chunk %d queued twice", c.Index)
			}
			seen[c.Index] = true
			f.answer(t, c, "q013", "q094")
		}
		f.step(t, b.ID)
		if p := f.batch(t, b.ID); p.Status == router.BatchInProgress && p.RequestCounts.Completed+p.RequestCounts.Failed != len(seen)*10 {
			t.Fatalf("round %d: counts %+v after %d chunks", round, p.RequestCounts, len(seen))
		}
	}
	got = f.batch(t, b.ID)
	if got.Status != router.BatchCompleted || got.RequestCounts != (router.RequestCounts{Total: 95, Completed: 93, Failed: 2}) ||
		got.CompletedAt == nil || got.FinalizingAt == nil {
		t.Fatalf("finished: %s %+v", got.Status, got.RequestCounts)
	}
	out, errs := f.lines(t, got.OutputFileID), f.lines(t, got.ErrorFileID)
	if len(out) != 93 || len(errs) != 2 || errs["q013"].Error == nil || errs["q013"].Error.Code != router.LineJobFailed {
		t.Fatalf("output %d lines, errors %v", len(out), errs)
	}
	if l := out["q050"]; l.Response == nil || l.Response.StatusCode != 200 || string(l.Response.Body) != `{"answer":"q050"}` || l.ID != requestID(b.ID, "q050") {
		t.Fatalf("output line %+v", l)
	}
	if _, err := f.svc.cfg.Blobs.Get(t.Context(), f.svc.cfg.Container, activeName(b.ID)); router.ErrorCode(err) != router.ENotFound {
		t.Fatalf("active marker left: %v", err)
	}
}

func (s *Service) mustList(t *testing.T, prefix string) []router.BlobEntry {
	t.Helper()
	e, err := s.cfg.Blobs.List(t.Context(), s.cfg.Container, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A chunk run twice (its message delivered twice) keeps its first outcome:
// each line is in the files once, counted once.
func TestAChunkRunTwiceCountsOnce(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 4})
	b := f.create(t, f.upload(t, chats(8)...))
	f.step(t, b.ID)
	refs := f.queued(t)
	f.answer(t, refs[0])
	f.answer(t, refs[0], "q000", "q001") // a second run, another outcome
	f.answer(t, refs[1])
	f.step(t, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchCompleted || got.RequestCounts != (router.RequestCounts{Total: 8, Completed: 8}) {
		t.Fatalf("batch %s %+v; want completed 8/8", got.Status, got.RequestCounts)
	}
	if out := f.lines(t, got.OutputFileID); len(out) != 8 || got.ErrorFileID != nil {
		t.Fatalf("output %d lines, error file %v", len(out), got.ErrorFileID)
	}
}

// Two replicas: only the one holding a batch's lease advances it; when its
// lease lapses (a replica that died) the other takes over and queues
// nothing twice that has finished, and the files hold each line once.
func TestTwoReplicasShareABatchWithoutDuplicates(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 2, Window: func() int { return 2 }})
	other := New(f.svc.cfg)
	b := f.create(t, f.upload(t, chats(10)...))
	l, ok, err := f.svc.takeLease(t.Context(), b.ID)
	if err != nil || !ok {
		t.Fatal(err)
	}
	if _, err := f.svc.advance(l.ctx, l, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := other.takeLease(t.Context(), b.ID); ok {
		t.Fatal("a second replica leased a batch another leads")
	}
	refs := f.queued(t)
	f.answer(t, refs[0])
	// The first replica dies holding the lease; it lapses.
	l.cancel()
	l.wg.Wait()
	f.now = f.now.Add(leaseFor + time.Second)
	ol, ok, err := other.takeLease(t.Context(), b.ID)
	if err != nil || !ok {
		t.Fatalf("lease after the holder died: %v %v", ok, err)
	}
	// The dead replica's stale write is refused.
	rec, _ := f.svc.record(t.Context(), b.ID)
	if err := f.svc.save(t.Context(), l, rec); err == nil {
		t.Fatal("a write under a lapsed lease was accepted")
	}
	for {
		if _, err := other.advance(ol.ctx, ol, b.ID); err != nil {
			t.Fatal(err)
		}
		refs = append(refs[1:], f.queued(t)...)
		if len(refs) == 0 {
			break
		}
		f.answer(t, refs[0])
	}
	other.release(ol, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchCompleted || got.RequestCounts.Completed != 10 || len(f.lines(t, got.OutputFileID)) != 10 {
		t.Fatalf("batch %s %+v", got.Status, got.RequestCounts)
	}
}

// The window keeps a large batch from filling the queue: a small batch
// created after it has its chunk queued behind at most a window of the
// large one's, and completes while the large one runs.
func TestASmallBatchIsNotQueuedBehindALargeOne(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 10, Window: func() int { return 4 }})
	large := f.create(t, f.upload(t, chats(1000)...))
	f.step(t, large.ID)
	small := f.create(t, f.upload(t, chats(3)...))
	f.step(t, small.ID)
	refs := f.queued(t)
	if len(refs) != 5 || refs[4].Batch != small.ID {
		t.Fatalf("queue holds %d chunks, last of %s; want 4 of the large batch, then the small one's", len(refs), refs[len(refs)-1].Batch)
	}
	f.answer(t, refs[4])
	f.step(t, small.ID)
	if got := f.batch(t, small.ID); got.Status != router.BatchCompleted {
		t.Fatalf("small batch %s", got.Status)
	}
	if got := f.batch(t, large.ID); got.Status != router.BatchInProgress {
		t.Fatalf("large batch %s", got.Status)
	}
}

// Cancel: nothing more is queued, queued chunks are skipped by the
// dispatcher (and end batch_cancelled), a chunk that ran keeps its answers,
// and chunks never queued end batch_cancelled in the error file.
func TestCancelStopsWhatHasNotStarted(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 5, Window: func() int { return 2 }})
	b := f.create(t, f.upload(t, chats(30)...))
	f.step(t, b.ID)
	refs := f.queued(t) // chunks 0 and 1
	f.answer(t, refs[0])
	if got, err := f.svc.CancelBatch(t.Context(), b.ID); err != nil || got.Status != router.BatchCancelling {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if skip, err := f.svc.Skip(t.Context(), refs[1]); err != nil || !skip {
		t.Fatalf("a queued chunk of a cancelled batch: skip %v %v", skip, err)
	}
	f.step(t, b.ID)
	if more := f.queued(t); len(more) != 0 {
		t.Fatalf("%d chunks queued after the cancel", len(more))
	}
	got := f.batch(t, b.ID)
	if got.Status != router.BatchCancelled || got.CancelledAt == nil || got.RequestCounts != (router.RequestCounts{Total: 30, Completed: 5, Failed: 25}) {
		t.Fatalf("batch %s %+v", got.Status, got.RequestCounts)
	}
	errs := f.lines(t, got.ErrorFileID)
	for i := 5; i < 30; i++ {
		if l := errs[fmt.Sprintf("q%03d", i)]; l.Error == nil || l.Error.Code != router.LineCancelled {
			t.Fatalf("line q%03d: %+v; want batch_cancelled", i, l)
		}
	}
	if len(f.lines(t, got.OutputFileID)) != 5 {
		t.Fatal("the chunk that ran lost its answers")
	}
}

// A cancel before validation ends queues nothing at all.
func TestCancelDuringValidationQueuesNothing(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 5})
	b := f.create(t, f.upload(t, chats(30)...))
	if _, err := f.svc.CancelBatch(t.Context(), b.ID); err != nil {
		t.Fatal(err)
	}
	f.step(t, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchCancelled || got.RequestCounts != (router.RequestCounts{}) || got.OutputFileID != nil || got.ErrorFileID != nil {
		t.Fatalf("batch %+v; want cancelled with nothing run", got)
	}
	if refs := f.queued(t); len(refs) != 0 {
		t.Fatalf("%d chunks queued", len(refs))
	}
}

// Past its window the batch ends expired with what finished; the rest is
// batch_expired, and a chunk taken from the queue after that does not run.
func TestExpiryEndsWithWhatFinished(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 5, Window: func() int { return 2 }})
	file := f.upload(t, chats(20)...)
	b, err := f.svc.CreateBatch(t.Context(), router.BatchRequest{InputFileID: file, Endpoint: "/v1/chat/completions", CompletionWindow: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	f.step(t, b.ID)
	refs := f.queued(t)
	f.answer(t, refs[0])
	f.now = f.now.Add(time.Hour)
	if skip, err := f.svc.Skip(t.Context(), refs[1]); err != nil || !skip {
		t.Fatalf("a chunk taken after expiry: skip %v %v", skip, err)
	}
	f.step(t, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchExpired || got.ExpiredAt == nil || got.RequestCounts != (router.RequestCounts{Total: 20, Completed: 5, Failed: 15}) {
		t.Fatalf("batch %s %+v", got.Status, got.RequestCounts)
	}
	if errs := f.lines(t, got.ErrorFileID); errs["q019"].Error == nil || errs["q019"].Error.Code != router.LineExpired || len(errs) != 15 {
		t.Fatalf("error file %d lines, q019 %+v", len(errs), errs["q019"])
	}
}

// A chunk poisoned (received too many times) ends every line job_failed,
// so the batch still finishes.
func TestAPoisonedChunkFailsItsLines(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 5})
	b := f.create(t, f.upload(t, chats(5)...))
	f.step(t, b.ID)
	c := f.queued(t)[0]
	if err := f.svc.Finish(t.Context(), c, router.ChunkOutcome{All: &router.LineFailure{Code: router.LineJobFailed, Message: "poisoned"}}); err != nil {
		t.Fatal(err)
	}
	f.step(t, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchCompleted || got.RequestCounts != (router.RequestCounts{Total: 5, Failed: 5}) || got.OutputFileID != nil {
		t.Fatalf("batch %s %+v", got.Status, got.RequestCounts)
	}
}

// cancelAt is a store that asks for a batch's cancel once n of its chunks
// are stored, as a user would while it is being validated.
type cancelAt struct {
	*mem.Blobs
	batch  string
	n      int
	stored int
}

func (c *cancelAt) Put(ctx context.Context, container, name string, data []byte) error {
	if strings.HasPrefix(name, chunksPrefix(c.batch)) {
		c.stored++
		if c.stored == c.n {
			_ = c.Blobs.Put(ctx, container, cancelName(c.batch), nil)
		}
	}
	return c.Blobs.Put(ctx, container, name, data)
}

// A cancel in the middle of validation stops it within checkEvery chunks:
// the rest of the file is not stored, and nothing is queued.
func TestCancelInTheMiddleOfValidationStopsIt(t *testing.T) {
	f := newFixture(t, Config{ChunkLines: 2})
	b := f.create(t, f.upload(t, chats(1000)...)) // 500 chunks
	store := &cancelAt{Blobs: f.blobs, batch: b.ID, n: 10}
	cfg := f.svc.cfg
	cfg.Blobs = store
	f.svc = New(cfg)
	f.step(t, b.ID)
	got := f.batch(t, b.ID)
	if got.Status != router.BatchCancelled || got.RequestCounts != (router.RequestCounts{}) {
		t.Fatalf("batch %s %+v; want cancelled with nothing counted", got.Status, got.RequestCounts)
	}
	if store.stored > 10+checkEvery+chunkWrites {
		t.Fatalf("%d of 500 chunks stored after a cancel at the 10th", store.stored)
	}
	if refs := f.queued(t); len(refs) != 0 {
		t.Fatalf("%d chunks queued", len(refs))
	}
}

// A batch an earlier router version took past validation (no chunks) ends
// failed with a reason, instead of staying active for ever.
func TestABatchOfAnEarlierVersionFailsWithAReason(t *testing.T) {
	f := newFixture(t, Config{})
	b := f.create(t, f.upload(t, chats(2)...))
	rec, _ := f.svc.record(t.Context(), b.ID)
	rec.Status = router.BatchInProgress // as the former manager left it, with its lines as jobs
	if err := f.svc.putJSON(t.Context(), recordName(b.ID), rec); err != nil {
		t.Fatal(err)
	}
	f.step(t, b.ID)
	if got := f.batch(t, b.ID); got.Status != router.BatchFailed || len(got.Errors.Data) != 1 || !strings.Contains(got.Errors.Data[0].Message, "earlier version") {
		t.Fatalf("batch %s %+v", got.Status, got.Errors)
	}
}
