// Package batchapi is the OpenAI Batch API on the router's storage and work
// queue, built for files, not lines: an upload streams into one blob; a
// batch over it is validated streaming, cut into chunks of a micro-batch's
// worth of lines stored once each, and a queue message per chunk runs it on
// the Spot pool through the dispatcher; the chunks' results, stored once
// each, are counted for progress and concatenated, streaming, into OpenAI's
// output and error files.
//
// The batch record is stored before its id is answered, and every step
// after it is redone from what is stored, so any replica (or the same one
// after a restart) resumes a batch where it was. The replica that advances
// a batch holds a lease on its record; a chunk's result is created once, so
// a chunk run twice (a message delivered twice) still puts each line in the
// output or error file exactly once.
package batchapi

import (
	"log/slog"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Config wires a Service.
type Config struct {
	// Blobs keeps files, chunks, results and batch records in Container.
	Blobs     router.BlobStore
	Container string
	// Queue is the work queue a message per chunk goes to.
	Queue router.Queue
	// Enabled is false unless some model's batch command reads OpenAI
	// batch lines (api openai); CreateBatch refuses otherwise.
	Enabled bool
	// Route returns the key and id of the model a line's body.model names
	// (its id or an alias), or why no model of the router runs it in a
	// batch (router.EModelNotFound, or router.EBadRequest for a model whose
	// batch command does not read OpenAI batch lines). A batch's lines may
	// name several models: each chunk holds one model's lines, each naming
	// the model by its id. Nil: every line runs on the first model.
	Route func(model string) (key, id string, err error)
	// MaxFileBytes bounds an uploaded file (default 100 MiB); MaxLines its
	// lines (default 50,000, OpenAI's limit); MaxLineBytes one request
	// (default 1 MiB).
	MaxFileBytes int64
	MaxLines     int
	MaxLineBytes int
	// ChunkLines is the most lines per chunk, one micro-batch (default
	// 256). A chunk also stops at ChunkBytes (default 4 MiB).
	ChunkLines int
	ChunkBytes int
	// Window is how many chunks of one batch may wait in the queue or run
	// at once (default 8): more are queued as those finish, so batches
	// created later are not stuck behind every chunk of a large one.
	Window func() int
	// Poll is how often the manager looks for active batches and advances
	// the ones it leads (default 2 s); progress is stored at least as often.
	Poll time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
}

// Service implements router.BatchService and router.Chunks, and runs the
// batches (Run).
type Service struct {
	cfg Config

	mu       sync.Mutex
	followed map[string]chan struct{} // batches this replica leads → their wake-up
	kick     chan struct{}            // wakes Run: a batch was created
}

var (
	_ router.BatchService = (*Service)(nil)
	_ router.Chunks       = (*Service)(nil)
)

// New returns a service with defaults filled in.
func New(cfg Config) *Service {
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = 100 << 20
	}
	if cfg.MaxLines <= 0 {
		cfg.MaxLines = 50_000
	}
	if cfg.MaxLineBytes <= 0 {
		cfg.MaxLineBytes = 1 << 20
	}
	if cfg.ChunkLines <= 0 {
		cfg.ChunkLines = 256
	}
	if cfg.ChunkBytes <= 0 {
		cfg.ChunkBytes = 4 << 20
	}
	if cfg.Window == nil {
		cfg.Window = func() int { return 8 }
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Route == nil {
		cfg.Route = func(m string) (string, string, error) { return "", m, nil }
	}
	return &Service{cfg: cfg, followed: map[string]chan struct{}{}, kick: make(chan struct{}, 1)}
}

// MaxFileBytes implements router.BatchService.
func (s *Service) MaxFileBytes() int64 { return s.cfg.MaxFileBytes }

func unix(t time.Time) *int64 {
	u := t.Unix()
	return &u
}
