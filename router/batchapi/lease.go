package batchapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// leaseFor is how long a batch's lease lasts unless renewed (Blob Storage
// allows 15 to 60 s): a replica that dies leaves its batches to another
// after at most this long.
const leaseFor = 15 * time.Second

// lease is this replica's hold on a batch record. It is renewed in the
// background every third of leaseFor; ctx ends when it is lost or given up.
type lease struct {
	id     string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// takeLease leases the batch's record; ok is false when another replica
// leads the batch or its record is not stored yet.
func (s *Service) takeLease(ctx context.Context, batchID string) (*lease, bool, error) {
	id, ok, err := s.cfg.Blobs.Lease(ctx, s.cfg.Container, recordName(batchID), leaseFor)
	if router.ErrorCode(err) == router.ENotFound {
		return nil, false, nil // created a moment ago: the marker is written first
	}
	if err != nil || !ok {
		return nil, false, err
	}
	l := &lease{id: id}
	l.ctx, l.cancel = context.WithCancel(ctx)
	l.wg.Go(func() {
		t := time.NewTicker(leaseFor / 3)
		defer t.Stop()
		for {
			select {
			case <-l.ctx.Done():
				return
			case <-t.C:
			}
			err := s.cfg.Blobs.Renew(l.ctx, s.cfg.Container, recordName(batchID), id)
			if errors.Is(err, router.ErrLeaseLost) {
				s.cfg.Log.Warn("batch api: lease lost; another replica leads the batch", "batch", batchID)
				l.cancel()
				return
			}
			if err != nil && l.ctx.Err() == nil {
				// Retried at the next third; a write under a lease that
				// expired meanwhile fails with ErrLeaseLost.
				s.cfg.Log.Warn("batch api: lease not renewed", "batch", batchID, "err", err)
			}
		}
	})
	return l, true, nil
}

// release stops renewing and gives the lease up, so another replica may
// lead the batch at once.
func (s *Service) release(l *lease, batchID string) {
	l.cancel()
	l.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.cfg.Blobs.Unlease(ctx, s.cfg.Container, recordName(batchID), l.id)
}

// save writes the record under the lease.
func (s *Service) save(ctx context.Context, l *lease, rec record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode batch %s: %w", rec.ID, err)
	}
	return s.cfg.Blobs.PutLeased(ctx, s.cfg.Container, recordName(rec.ID), l.id, b)
}
