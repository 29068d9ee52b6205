package azure

import (
	"context"
	"encoding/json"
	"fmt"

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
	JobID    string `json:"job_id"`
	BodyHash string `json:"body_sha256"`
}

func claimBlob(keyHash string) string { return "idempotency/" + keyHash + ".json" }

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

// Claim implements router.JobStore: the record is created only if absent,
// so of two attempts racing for a key one binds it.
func (s *JobStore) Claim(ctx context.Context, keyHash, bodyHash, jobID string) (router.IdempotencyClaim, error) {
	rec, _ := json.Marshal(idempotencyRecord{JobID: jobID, BodyHash: bodyHash})
	created, err := s.Blobs.Create(ctx, s.RequestContainer, claimBlob(keyHash), rec, nil)
	if err != nil {
		return router.IdempotencyClaim{}, err
	}
	if created {
		return router.IdempotencyClaim{JobID: jobID}, nil
	}
	b, err := s.Blobs.Get(ctx, s.RequestContainer, claimBlob(keyHash))
	if err != nil {
		return router.IdempotencyClaim{}, err
	}
	var old idempotencyRecord
	if err := json.Unmarshal(b, &old); err != nil {
		return router.IdempotencyClaim{}, router.WrapError(router.EInternal, "idempotency record unreadable", err)
	}
	if old.BodyHash != bodyHash {
		return router.IdempotencyClaim{}, router.Errorf(router.EIdempotencyConflict, "Idempotency-Key was already used with a different body")
	}
	return router.IdempotencyClaim{JobID: old.JobID, Existing: true}, nil
}
