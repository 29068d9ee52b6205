// Package jobs accepts batch jobs durably: the work-queue message first (with
// the body in a blob when it exceeds the message limit), then the job record,
// and only then the caller's 202.
package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Service implements router.JobService over the domain's storage interfaces.
type Service struct {
	Queue            router.Queue
	Store            router.JobStore
	Payloads         router.PayloadStore
	RequestContainer string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Lease is how long an attempt holds its Idempotency-Key before a
	// retry may take the job over; it must exceed the time one Submit may
	// take (the HTTP server's submit timeout). Default 15 s.
	Lease time.Duration
	// Poll is how often a retry waiting on an attempt in flight looks for
	// its job (default 20 ms).
	Poll time.Duration
	// Expediter runs expedited jobs (Submission.Expedite) on the inference
	// app; nil leaves every job to the pool.
	Expediter router.Expediter
}

// expediteGrace is how long after its deadline an expedited job's message
// stays hidden: the app's call is cut at the deadline and the message
// released then; the grace covers a release that is late, so that the
// pool does not take a job still being answered. A router that stops
// without releasing it leaves the job to the pool after the grace.
const expediteGrace = 30 * time.Second

var _ router.JobService = (*Service)(nil)

// PayloadBlobName is where a large request body is kept in the request container.
func PayloadBlobName(jobID string) string { return "payloads/" + jobID + ".json" }

// Submit implements router.JobService. With an Idempotency-Key, exactly one
// attempt at a time stores the job: concurrent retries wait for the job it
// stores and replay it; a retry takes over only when the attempt failed
// before its job was durable, or its lease ran out.
func (s *Service) Submit(ctx context.Context, sub router.Submission) (router.Job, bool, error) {
	id := NewID()
	if sub.IdempotencyKey == "" {
		job, err := s.store(ctx, id, sub)
		return deref(job), false, err
	}
	keyHash := hashHex([]byte(sub.IdempotencyKey))
	bound, job, err := s.claim(ctx, keyHash, hashHex(sub.Body), id)
	if err != nil || job != nil {
		return deref(job), job != nil, err
	}
	job, err = s.store(ctx, bound.JobID, sub)
	if err != nil && !errors.Is(err, errEnqueued) {
		// Nothing of the job is durable: give the key up so that a retry
		// finishes the job at once instead of waiting out the lease.
		if _, gerr := s.Store.TakeOver(context.WithoutCancel(ctx), keyHash, bound.Until, time.Time{}); gerr != nil {
			err = errors.Join(err, gerr)
		}
	}
	return deref(job), false, err
}

// claim binds the key to id, or finds the job of the attempt that bound it
// first (returned as job), waiting while that attempt is in flight, or takes
// the binding over from an attempt that is over.
func (s *Service) claim(ctx context.Context, keyHash, bodyHash, id string) (router.IdempotencyClaim, *router.Job, error) {
	for {
		c, err := s.Store.Claim(ctx, keyHash, bodyHash, id, s.now().Add(s.lease()))
		if err != nil || !c.Existing {
			return c, nil, err
		}
		job, err := s.Store.Get(ctx, c.JobID)
		if err == nil {
			return c, &job, nil
		}
		if router.ErrorCode(err) != router.ENotFound {
			return c, nil, err
		}
		if now := s.now(); !now.Before(c.Until) {
			until := now.Add(s.lease())
			took, err := s.Store.TakeOver(ctx, keyHash, c.Until, until)
			if err != nil {
				return c, nil, err
			}
			if took {
				c.Until = until
				return c, nil, nil
			}
			continue // another retry took it over first: wait for its job
		}
		select {
		case <-ctx.Done():
			return c, nil, router.Errorf(router.EOverloaded, "a request with this Idempotency-Key is still being stored; retry after Retry-After")
		case <-time.After(s.poll()):
		}
	}
}

// errEnqueued marks a failure after the job's message was durable: the job
// runs whatever the caller is told.
var errEnqueued = errors.New("the job's message is stored")

// store enqueues the job's message (its body in a blob when too large for
// one) and then stores its record.
func (s *Service) store(ctx context.Context, id string, sub router.Submission) (*router.Job, error) {
	now := s.now()
	item := router.WorkItem{JobID: id, Body: sub.Body, Model: sub.ModelKey, Revision: sub.Revision, ModelVersion: sub.ModelVersion, Enqueued: now}
	msg, err := json.Marshal(item)
	if err != nil {
		return nil, router.WrapError(router.EBadRequest, "body is not valid JSON", err)
	}
	if len(msg) > s.Queue.MaxMessageSize() {
		item.Body, item.PayloadBlob = nil, PayloadBlobName(id)
		if err := s.Payloads.Put(ctx, s.RequestContainer, item.PayloadBlob, sub.Body); err != nil {
			return nil, fmt.Errorf("store payload of job %s: %w", id, err)
		}
		if msg, err = json.Marshal(item); err != nil {
			return nil, fmt.Errorf("encode work item: %w", err)
		}
	}
	expedite := sub.Expedite && s.Expediter != nil && sub.Deadline.After(now)
	var m router.Message
	if expedite {
		m, err = s.Queue.EnqueueHidden(ctx, msg, sub.Deadline.Sub(now)+expediteGrace)
	} else {
		err = s.Queue.Enqueue(ctx, msg)
	}
	if err != nil {
		return nil, fmt.Errorf("enqueue job %s: %w", id, err)
	}
	job := router.Job{ID: id, State: router.JobQueued, Model: sub.Model, ModelVersion: sub.ModelVersion, Revision: sub.Revision, Created: now, Updated: now}
	// The message is durable now; if this write fails the caller gets 503
	// and the job still runs: a retry with the same Idempotency-Key finds
	// it once the dispatcher has stored its record, or after the lease.
	if err := s.Store.Create(ctx, job); err != nil {
		return nil, fmt.Errorf("store job %s: %w (%w)", id, err, errEnqueued)
	}
	if expedite {
		s.Expediter.Expedite(job, item, m, sub.Body, sub.Deadline)
	}
	return &job, nil
}

func deref(j *router.Job) router.Job {
	if j == nil {
		return router.Job{}
	}
	return *j
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return 15 * time.Second
}

func (s *Service) poll() time.Duration {
	if s.Poll > 0 {
		return s.Poll
	}
	return 20 * time.Millisecond
}

// Get implements router.JobService.
func (s *Service) Get(ctx context.Context, id string) (router.Job, error) {
	if !ValidID(id) {
		return router.Job{}, router.Errorf(router.ENotFound, "no job %q", id)
	}
	return s.Store.Get(ctx, id)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

// NewID returns a random job id: 32 lowercase hex digits.
func NewID() string {
	return router.RandomHex(16)
}

// ValidID reports whether id has the form NewID returns; anything else cannot
// name a job and must never reach a blob name.
func ValidID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func hashHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
