// Package jobs accepts batch jobs durably: the work-queue message first (with
// the body in a blob when it exceeds the message limit), then the job record,
// and only then the caller's 202.
package jobs

import (
	"context"
	"crypto/rand"
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
}

var _ router.JobService = (*Service)(nil)

// PayloadBlobName is where a large request body is kept in the request container.
func PayloadBlobName(jobID string) string { return "payloads/" + jobID + ".json" }

// Submit implements router.JobService.
func (s *Service) Submit(ctx context.Context, sub router.Submission) (router.Job, bool, error) {
	id := NewID()
	if sub.IdempotencyKey != "" {
		bound, existing, err := s.Store.Claim(ctx, hashHex([]byte(sub.IdempotencyKey)), hashHex(sub.Body), id)
		if err != nil {
			return router.Job{}, false, err
		}
		if existing {
			job, err := s.Store.Get(ctx, bound)
			if err == nil {
				return job, true, nil
			}
			if router.ErrorCode(err) != router.ENotFound {
				return router.Job{}, false, err
			}
			// The first attempt claimed the key but never finished storing
			// the job (it was answered 503): finish it now under the same id.
			id = bound
		}
	}
	now := s.now()
	item := router.WorkItem{JobID: id, Body: sub.Body, ModelVersion: sub.ModelVersion, Endpoint: sub.Endpoint, Enqueued: now}
	msg, err := json.Marshal(item)
	if err != nil {
		return router.Job{}, false, router.WrapError(router.EBadRequest, "body is not valid JSON", err)
	}
	if len(msg) > s.Queue.MaxMessageSize() {
		item.Body, item.PayloadBlob = nil, PayloadBlobName(id)
		if err := s.Payloads.Put(ctx, s.RequestContainer, item.PayloadBlob, sub.Body); err != nil {
			return router.Job{}, false, fmt.Errorf("store payload of job %s: %w", id, err)
		}
		if msg, err = json.Marshal(item); err != nil {
			return router.Job{}, false, fmt.Errorf("encode work item: %w", err)
		}
	}
	if err := s.Queue.Enqueue(ctx, msg); err != nil {
		return router.Job{}, false, fmt.Errorf("enqueue job %s: %w", id, err)
	}
	job := router.Job{ID: id, State: router.JobQueued, ModelVersion: sub.ModelVersion, Created: now, Updated: now}
	// The message is durable now; if this write fails the caller gets 503
	// and the job still runs: a retry with the same Idempotency-Key finds it.
	if err := s.Store.Create(ctx, job); err != nil {
		return router.Job{}, false, fmt.Errorf("store job %s: %w", id, err)
	}
	return job, false, nil
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
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
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
