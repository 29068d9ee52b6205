package azure

import (
	"context"

	"encoding/json"
	"fmt"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// JobStore is a router.JobStore on blobs, since Storage is the only data
// service deployed: one JSON blob per job in the result container
// ("jobs/<id>.json"), and one per Idempotency-Key in the request container
// ("idempotency/<sha256 of key>.json"), created only if absent, which makes
// the claim atomic.
type JobStore struct {
	Blobs            *Blobs
	RequestContainer string
	ResultContainer  string
}

var _ router.JobStore = (*JobStore)(nil)

func jobBlob(id string) string { return "jobs/" + id + ".json" }

type idempotencyRecord struct {
	JobID    string    `json:"job_id"`
	BodyHash string    `json:"body_sha256"`
	Until    time.Time `json:"until,omitzero"`
}

func claimBlob(keyHash string) string { return "idempotency/" + keyHash + ".json" }

// Create implements router.JobStore.
func (s *JobStore) Create(ctx context.Context, job router.Job) error {
	b, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("encode job: %w", err)
	}
	_, err = s.Blobs.putIfAbsent(ctx, s.ResultContainer, jobBlob(job.ID), b)
	return err
}

// Put implements router.JobStore.
func (s *JobStore) Put(ctx context.Context, job router.Job) error {
	b, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("encode job: %w", err)
	}
	return s.Blobs.Put(ctx, s.ResultContainer, jobBlob(job.ID), b)
}

// Get implements router.JobStore.
func (s *JobStore) Get(ctx context.Context, id string) (router.Job, error) {
	b, err := s.Blobs.Get(ctx, s.ResultContainer, jobBlob(id))
	if err != nil {
		if router.ErrorCode(err) == router.ENotFound {
			return router.Job{}, router.WrapError(router.ENotFound, "no job "+id, err)
		}
		return router.Job{}, err
	}
	var job router.Job
	if err := json.Unmarshal(b, &job); err != nil {
		return router.Job{}, router.WrapError(router.EInternal, "job record unreadable", err)
	}
	return job, nil
}

// Claim implements router.JobStore.
func (s *JobStore) Claim(ctx context.Context, keyHash, bodyHash, jobID string, until time.Time) (router.IdempotencyClaim, error) {
	rec, _ := json.Marshal(idempotencyRecord{JobID: jobID, BodyHash: bodyHash, Until: until})
	created, err := s.Blobs.putIfAbsent(ctx, s.RequestContainer, claimBlob(keyHash), rec)
	if err != nil {
		return router.IdempotencyClaim{}, err
	}
	if created {
		return router.IdempotencyClaim{JobID: jobID, Until: until}, nil
	}
	old, _, err := s.readClaim(ctx, keyHash)
	if err != nil {
		return router.IdempotencyClaim{}, err
	}
	if old.BodyHash != bodyHash {
		return router.IdempotencyClaim{}, router.Errorf(router.EIdempotencyConflict, "Idempotency-Key was already used with a different body")
	}
	return router.IdempotencyClaim{JobID: old.JobID, Existing: true, Until: old.Until}, nil
}

// TakeOver implements router.JobStore: the record is rewritten only if its
// ETag is still the one read, so two retries cannot both take it over.
func (s *JobStore) TakeOver(ctx context.Context, keyHash string, held, until time.Time) (bool, error) {
	old, etag, err := s.readClaim(ctx, keyHash)
	if err != nil {
		return false, err
	}
	if !old.Until.Equal(held) {
		return false, nil
	}
	old.Until = until
	rec, _ := json.Marshal(old)
	return s.Blobs.putIfMatch(ctx, s.RequestContainer, claimBlob(keyHash), rec, etag)
}

func (s *JobStore) readClaim(ctx context.Context, keyHash string) (idempotencyRecord, azcore.ETag, error) {
	var rec idempotencyRecord
	b, etag, err := s.Blobs.getWithETag(ctx, s.RequestContainer, claimBlob(keyHash))
	if err != nil {
		return rec, "", err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, "", router.WrapError(router.EInternal, "idempotency record unreadable", err)
	}
	return rec, etag, nil
}
