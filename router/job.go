package router

import (
	"encoding/json"
	"time"
)

// JobState is where a batch job is in its life, as GET /v1/jobs/{id} reports it.
type JobState string

const (
	// JobQueued: durably accepted (the 202 was sent); waiting in the work queue.
	JobQueued JobState = "queued"
	// JobRunning: taken by a dispatcher and part of a running micro-batch.
	// A job can go back to queued if its dispatcher stops mid-batch.
	JobRunning JobState = "running"
	// JobSucceeded: the model answered; Result holds its answer.
	JobSucceeded JobState = "succeeded"
	// JobFailed: the model rejected the input, or the job was moved to the
	// poison queue after too many attempts; Error says which.
	JobFailed JobState = "failed"
)

// Terminal reports whether the job will not change again.
func (s JobState) Terminal() bool { return s == JobSucceeded || s == JobFailed }

// Job is an asynchronous inference request: what the user gets an id for.
type Job struct {
	// ID is the job's opaque id in the 202 answer and the status URL.
	ID string `json:"id"`
	// State is the job's current state.
	State JobState `json:"status"`
	// Model is the model the job was accepted for (its name); ModelVersion
	// that model's model-version setting then.
	Model        string `json:"model,omitempty"`
	ModelVersion string `json:"model_version,omitempty"`
	// Revision is the model's revision the job is pinned to.
	Revision string `json:"revision,omitempty"`
	// Created is when the job was accepted, Updated when its state last changed.
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// Attempts is how many times a dispatcher has taken the job.
	Attempts int `json:"attempts,omitempty"`
	// Result is the model's output line status and body, when terminal.
	ResultStatus string          `json:"result_status,omitempty"`
	Result       json.RawMessage `json:"result,omitempty"`
	// Error explains a failed job.
	Error string `json:"error,omitempty"`
}

// WorkItem is the work-queue message for one job, or for one chunk of a
// Batch API batch (Chunk; no job then). Bodies that fit the queue's message
// limit travel inline; larger ones are in the request container under
// PayloadBlob.
type WorkItem struct {
	JobID        string          `json:"job_id,omitempty"`
	Body         json.RawMessage `json:"body,omitempty"`
	PayloadBlob  string          `json:"payload_blob,omitempty"`
	ModelVersion string          `json:"model_version,omitempty"`
	// Model is the key of the model the job runs on: a micro-batch holds
	// one model's jobs (empty: the router's first model); ModelName the id
	// the caller named it by, for the job's record.
	Model     string `json:"model,omitempty"`
	ModelName string `json:"model_name,omitempty"`
	// Revision is the revision of the model the job is pinned to (its
	// weighted share when it was accepted); empty for stable.
	Revision string `json:"revision,omitempty"`
	// KeyHash and BodyHash are the SHA-256 of the job's Idempotency-Key and
	// body (hex): the job runs only if the key is bound to it (JobStore.Claim).
	KeyHash  string    `json:"key_hash,omitempty"`
	BodyHash string    `json:"body_hash,omitempty"`
	Chunk    *ChunkRef `json:"chunk,omitempty"`
	Enqueued time.Time `json:"enqueued"`
}

// BatchLine is one line of a micro-batch input file (the inference image's
// batch contract): the job id and the request body as JSON.
type BatchLine struct {
	ID   string          `json:"id"`
	Body json.RawMessage `json:"body"`
}

// ResultLine is one line of a micro-batch output file: status "ok" or an
// error word from the model, and the model's answer.
type ResultLine struct {
	ID     string          `json:"id"`
	Status string          `json:"status"`
	Body   json.RawMessage `json:"body"`
}
