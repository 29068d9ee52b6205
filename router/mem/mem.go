// Package mem holds in-memory implementations of the router's storage
// interfaces, for unit tests of the layers above storage. They keep the
// contracts (visibility timeouts, dequeue counts, idempotency claims) but
// nothing survives the process: never use them to serve traffic.
package mem

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Queue is an in-memory router.Queue. Fail, when set, makes every call fail
// with unavailable, as an unreachable queue would.
type Queue struct {
	mu      sync.Mutex
	next    int
	msgs    []*queued
	MaxSize int
	Fail    bool
	// Now is the clock that visibility timeouts follow; time.Now when nil.
	Now func() time.Time
}

type queued struct {
	m         router.Message
	visibleAt time.Time
}

var _ router.Queue = (*Queue)(nil)

func (q *Queue) now() time.Time {
	if q.Now != nil {
		return q.Now()
	}
	return time.Now()
}

func (q *Queue) down() error {
	if q.Fail {
		return router.Errorf(router.EUnavailable, "queue unreachable")
	}
	return nil
}

// Enqueue implements router.Queue.
func (q *Queue) Enqueue(_ context.Context, body []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.down(); err != nil {
		return err
	}
	q.next++
	q.msgs = append(q.msgs, &queued{m: router.Message{ID: strconv.Itoa(q.next), Body: append([]byte(nil), body...)}})
	return nil
}

// EnqueueHidden implements router.Queue.
func (q *Queue) EnqueueHidden(_ context.Context, body []byte, hidden time.Duration) (router.Message, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.down(); err != nil {
		return router.Message{}, err
	}
	q.next++
	m := router.Message{ID: strconv.Itoa(q.next), Body: append([]byte(nil), body...)}
	q.next++
	m.PopReceipt = strconv.Itoa(q.next)
	q.msgs = append(q.msgs, &queued{m: m, visibleAt: q.now().Add(min(hidden, router.MaxHidden))})
	return m, nil
}

// Receive implements router.Queue.
func (q *Queue) Receive(_ context.Context, max int, vis time.Duration) ([]router.Message, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.down(); err != nil {
		return nil, err
	}
	now := q.now()
	var out []router.Message
	for _, m := range q.msgs {
		if len(out) == max {
			break
		}
		if m.visibleAt.After(now) {
			continue
		}
		m.m.DequeueCount++
		q.next++
		m.m.PopReceipt = strconv.Itoa(q.next)
		m.visibleAt = now.Add(vis)
		out = append(out, m.m)
	}
	return out, nil
}

func (q *Queue) find(m router.Message) (int, error) {
	for i, x := range q.msgs {
		if x.m.ID == m.ID && x.m.PopReceipt == m.PopReceipt {
			return i, nil
		}
	}
	return 0, router.Errorf(router.ENotFound, "message %s with this pop receipt", m.ID)
}

// Extend implements router.Queue.
func (q *Queue) Extend(_ context.Context, m *router.Message, vis time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.down(); err != nil {
		return err
	}
	i, err := q.find(*m)
	if err != nil {
		return err
	}
	q.next++
	q.msgs[i].m.PopReceipt = strconv.Itoa(q.next)
	q.msgs[i].visibleAt = q.now().Add(vis)
	m.PopReceipt = q.msgs[i].m.PopReceipt
	return nil
}

// Release implements router.Queue. Like a visibility update in Azure, it
// replaces the pop receipt, so the releaser no longer owns the message.
func (q *Queue) Release(_ context.Context, m router.Message) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.down(); err != nil {
		return err
	}
	i, err := q.find(m)
	if err != nil {
		return err
	}
	q.next++
	q.msgs[i].m.PopReceipt = strconv.Itoa(q.next)
	q.msgs[i].visibleAt = time.Time{}
	return nil
}

// Delete implements router.Queue.
func (q *Queue) Delete(_ context.Context, m router.Message) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.down(); err != nil {
		return err
	}
	i, err := q.find(m)
	if err != nil {
		return err
	}
	q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
	return nil
}

// Depth implements router.Queue.
func (q *Queue) Depth(context.Context) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.down(); err != nil {
		return 0, err
	}
	return len(q.msgs), nil
}

// MaxMessageSize implements router.Queue; 48 KiB unless MaxSize is set.
func (q *Queue) MaxMessageSize() int {
	if q.MaxSize > 0 {
		return q.MaxSize
	}
	return 48 << 10
}

// Store is an in-memory router.JobStore.
type Store struct {
	mu    sync.Mutex
	jobs  map[string]router.Job
	claim map[string]claim
}

type claim struct {
	jobID, bodyHash string
}

var _ router.JobStore = (*Store)(nil)

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{jobs: map[string]router.Job{}, claim: map[string]claim{}}
}

// Put implements router.JobStore.
func (s *Store) Put(_ context.Context, job router.Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[job.ID] = job
	return nil
}

// Get implements router.JobStore.
func (s *Store) Get(_ context.Context, id string) (router.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return router.Job{}, router.Errorf(router.ENotFound, "no job %q", id)
	}
	return j, nil
}

// Claim implements router.JobStore.
func (s *Store) Claim(_ context.Context, keyHash, bodyHash, jobID string) (router.IdempotencyClaim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.claim[keyHash]; ok {
		if c.bodyHash != bodyHash {
			return router.IdempotencyClaim{}, router.Errorf(router.EIdempotencyConflict, "Idempotency-Key was used with a different body")
		}
		return router.IdempotencyClaim{JobID: c.jobID, Existing: true}, nil
	}
	s.claim[keyHash] = claim{jobID: jobID, bodyHash: bodyHash}
	return router.IdempotencyClaim{JobID: jobID}, nil
}
