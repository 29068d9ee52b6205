// Package jobs accepts batch jobs durably, in as few storage calls as that
// takes: the work-queue message (with the body in a blob when it exceeds the
// message limit) carries the job until the dispatcher takes it, so a job
// without an Idempotency-Key costs one call before its 202; with a key, one
// more binds the key to it, after the message is durable.
package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	// Expediter runs expedited jobs (Submission.Expedite) on the inference
	// app; nil leaves every job to the pool.
	Expediter router.Expediter
	// Region is this router's region, which the ids it makes carry
	// (router.RegionalID); "" for a single-region deployment.
	Region string
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

// Submit implements router.JobService. With an Idempotency-Key the message
// is stored first and the key bound to its job after: the first attempt to
// bind it wins, and every attempt with that key and body is answered that
// job. A message whose job lost (a concurrent attempt, another body, a
// router that stopped before binding) is dropped by the dispatcher, which
// binds the key to a message that has no binding yet (dispatch, admit.go).
func (s *Service) Submit(ctx context.Context, sub router.Submission) (router.Job, bool, error) {
	now := s.now()
	job := router.Job{ID: router.RegionalID(s.Region, NewID(now)), State: router.JobQueued, Model: sub.Model, ModelVersion: sub.ModelVersion,
		Revision: sub.Revision, Created: now, Updated: now}
	item := router.WorkItem{JobID: job.ID, Body: sub.Body, Model: sub.ModelKey, ModelName: sub.Model, ModelVersion: sub.ModelVersion,
		Revision: sub.Revision, Enqueued: now}
	if sub.IdempotencyKey != "" {
		item.KeyHash, item.BodyHash = hashHex([]byte(sub.IdempotencyKey)), hashHex(sub.Body)
	}
	m, expedite, err := s.enqueue(ctx, item, sub, now)
	if err != nil {
		return router.Job{}, false, err
	}
	if item.KeyHash != "" {
		c, err := s.Store.Claim(ctx, item.KeyHash, item.BodyHash, job.ID)
		if err != nil {
			return router.Job{}, false, err
		}
		if c.JobID != job.ID {
			replayed, err := s.Get(ctx, c.JobID)
			return replayed, err == nil, err
		}
	}
	if expedite {
		s.Expediter.Expedite(job, item, m, sub.Body, sub.Deadline)
	}
	return job, false, nil
}

// enqueue stores the job's message (its body in a blob when too large for
// one), hidden until after the deadline when it is to be expedited.
func (s *Service) enqueue(ctx context.Context, item router.WorkItem, sub router.Submission, now time.Time) (router.Message, bool, error) {
	msg, err := json.Marshal(item)
	if err != nil {
		return router.Message{}, false, router.WrapError(router.EBadRequest, "body is not valid JSON", err)
	}
	if len(msg) > s.Queue.MaxMessageSize() {
		item.Body, item.PayloadBlob = nil, PayloadBlobName(item.JobID)
		if err := s.Payloads.Put(ctx, s.RequestContainer, item.PayloadBlob, sub.Body); err != nil {
			return router.Message{}, false, fmt.Errorf("store payload of job %s: %w", item.JobID, err)
		}
		if msg, err = json.Marshal(item); err != nil {
			return router.Message{}, false, fmt.Errorf("encode work item: %w", err)
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
		return router.Message{}, false, fmt.Errorf("enqueue job %s: %w", item.JobID, err)
	}
	return m, expedite, nil
}

// Get implements router.JobService: the stored record, or, for a job the
// dispatcher has not taken yet, the record its ticket stands for (queued).
func (s *Service) Get(ctx context.Context, id string) (router.Job, error) {
	if !ValidID(id) {
		return router.Job{}, router.Errorf(router.ENotFound, "no job %q", id)
	}
	job, err := s.Store.Get(ctx, id)
	if router.ErrorCode(err) != router.ENotFound {
		return job, err
	}
	if at, ok := Issued(id); ok {
		return router.Job{ID: id, State: router.JobQueued, Created: at, Updated: at}, nil
	}
	return router.Job{}, router.Errorf(router.ENotFound, "no job %q", id)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func hashHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
