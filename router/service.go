package router

import (
	"context"
	"time"
)

// Message is one work-queue message as received by a dispatcher.
type Message struct {
	ID string
	// PopReceipt proves the receiver owns the message until its visibility
	// timeout; Extend replaces it.
	PopReceipt string
	// DequeueCount is how many times the message has been received,
	// this time included.
	DequeueCount int64
	Body         []byte
}

// MaxHidden is the longest a queue message may stay invisible (Azure
// Storage queues' limit for a visibility timeout: 7 days).
const MaxHidden = 7 * 24 * time.Hour

// Queue is a durable message queue with at-least-once delivery (an Azure
// Storage queue). A received message is invisible to other receivers until
// its visibility timeout ends; it reappears unless deleted.
type Queue interface {
	// Enqueue stores body durably before returning. Errors: unavailable.
	Enqueue(ctx context.Context, body []byte) error
	// EnqueueHidden stores body durably, invisible to receivers for hidden
	// (at most MaxHidden), and returns the message with its pop receipt:
	// its writer works on it first, and deletes it when done or releases
	// it to receivers. Errors: unavailable.
	EnqueueHidden(ctx context.Context, body []byte, hidden time.Duration) (Message, error)
	// Receive takes up to max messages, hiding them for visibility.
	// Errors: unavailable.
	Receive(ctx context.Context, max int, visibility time.Duration) ([]Message, error)
	// Extend hides m for another visibility from now and updates its
	// PopReceipt. Errors: not_found (the message was lost to another
	// receiver or deleted), unavailable.
	Extend(ctx context.Context, m *Message, visibility time.Duration) error
	// Release makes m visible to receivers again at once: work given back
	// unfinished (a shutdown, a failed run) is taken up without waiting out
	// its visibility timeout. Errors: not_found, unavailable.
	Release(ctx context.Context, m Message) error
	// Delete removes m for good. Errors: not_found, unavailable.
	Delete(ctx context.Context, m Message) error
	// Depth is the approximate number of messages. Errors: unavailable.
	Depth(ctx context.Context) (int, error)
	// MaxMessageSize is the largest body Enqueue accepts, in bytes.
	MaxMessageSize() int
}

// JobStore keeps job records and idempotency records. A job's record is
// stored once its state changes (the dispatcher takes it); until then its
// queue message carries it.
type JobStore interface {
	// Put stores the job, replacing any previous record. Errors: unavailable.
	Put(ctx context.Context, job Job) error
	// Get returns the job. Errors: not_found, unavailable.
	Get(ctx context.Context, id string) (Job, error)
	// Claim binds an idempotency key (given as its hash) to a job id and a
	// body hash, atomically, unless the key is bound already: then it
	// returns that binding (Existing), or an idempotency_conflict error if
	// it is to another body. A key is bound only to a job whose message is
	// durable. Errors: idempotency_conflict, unavailable.
	Claim(ctx context.Context, keyHash, bodyHash, jobID string) (IdempotencyClaim, error)
}

// IdempotencyClaim is an Idempotency-Key's binding to a job.
type IdempotencyClaim struct {
	JobID string
	// Existing is set when the key was bound before the call.
	Existing bool
}

// PayloadStore keeps request bodies too large for a queue message and the
// micro-batch input and output files, by name within a container.
type PayloadStore interface {
	// Put stores data under name, replacing it. Errors: unavailable.
	Put(ctx context.Context, container, name string, data []byte) error
	// Get returns the data under name. Errors: not_found, unavailable.
	Get(ctx context.Context, container, name string) ([]byte, error)
}

// Run is one micro-batch for an executor: the input file (JSON lines of
// BatchLine) is already stored; the executor must leave the output file
// (JSON lines of ResultLine) at the output location before returning nil.
type Run struct {
	// ID names the micro-batch; it is unique per attempt.
	ID string
	// InputContainer/InputBlob locate the input file.
	InputContainer, InputBlob string
	// OutputContainer/OutputBlob locate where the output file must be put.
	OutputContainer, OutputBlob string
	// Env is passed to the batch command (model version, GPU memory limit).
	Env map[string]string
	// Model is the key of the model whose lines the run holds; Image,
	// Command and PoolID are that model's: the image and batch command the
	// pool runs, and the pool with its GPU. Empty ones are the executor's
	// own.
	Model, Image, Command, PoolID string
}

// Executor runs the inference image's batch command over a micro-batch.
type Executor interface {
	// Execute runs r to completion or until ctx ends. Errors: unavailable
	// (the executor could not start or finish the run; the dispatcher leaves
	// the messages to reappear), internal (the batch command failed).
	Execute(ctx context.Context, r Run) error
}

// Expediter runs jobs on the inference app (Decision.Expedite): each
// stored with its message hidden until after its deadline, so that no pool
// run takes it meanwhile.
type Expediter interface {
	// Expedite starts running job on the app and returns at once; m is its
	// hidden message, body its request. If it cannot be run by deadline
	// the message is released for the pool.
	Expedite(job Job, item WorkItem, m Message, body []byte, deadline time.Time)
}

// Inferer answers one job's body on the inference app's realtime endpoint,
// for jobs the dispatcher expedites (Decision.Expedite).
type Inferer interface {
	// Infer returns the app's answer as a result line: status "ok" for a
	// 2xx answer, "http_<code>" for a request the app refused as invalid.
	// Errors: unavailable (no answer in time, a 5xx, 408 or 429 — the job
	// runs on the pool instead).
	Infer(ctx context.Context, body []byte) (ResultLine, error)
}

// SecretSource reads named secrets (Key Vault). Missing secrets are left
// out of the result rather than failing it.
type SecretSource interface {
	// Secrets returns the values of the named secrets that exist.
	// Errors: unavailable.
	Secrets(ctx context.Context, names []string) (map[string]string, error)
}

// SecretWriter writes a named secret (Key Vault): the one the router keeps
// a rollback in. Errors: unavailable.
type SecretWriter interface {
	SetSecret(ctx context.Context, name, value string) error
}

// Submission is a request accepted for the batch route.
type Submission struct {
	// Body is the request body, valid JSON.
	Body []byte
	// IdempotencyKey is the caller's Idempotency-Key; empty for none.
	IdempotencyKey string
	// Model is the model the job is for (its id, as the caller sees it),
	// ModelKey its key (config.Model.Key: what the dispatcher groups by)
	// and ModelVersion its model-version setting at acceptance.
	Model, ModelKey string
	ModelVersion    string
	// Revision is the model's revision the job is pinned to.
	Revision string
	// Expedite asks the dispatcher to run the job on the inference app
	// before Deadline (Decision.Expedite); the pool runs it if that fails.
	Expedite bool
	Deadline time.Time
}

// JobService accepts batch jobs and reports on them.
type JobService interface {
	// Submit stores the job durably (its work-queue message, with a payload
	// blob when large; the message carries the job's record until it
	// changes) and returns it. For an Idempotency-Key already used with the
	// same body it returns the original job and replay=true.
	// Errors: idempotency_conflict, unavailable.
	Submit(ctx context.Context, sub Submission) (job Job, replay bool, err error)
	// Get returns a job. Errors: not_found, unavailable.
	Get(ctx context.Context, id string) (Job, error)
}
