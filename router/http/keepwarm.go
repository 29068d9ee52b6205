package http

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// keepWarmTimeout bounds one keep-warm request: it only has to reach a
// replica that is up.
const keepWarmTimeout = 10 * time.Second

// KeepWarm runs KeepWarmOnce every router.KeepWarmInterval until ctx ends.
func (s *Server) KeepWarm(ctx context.Context) {
	t := time.NewTicker(router.KeepWarmInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.KeepWarmOnce(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Log.Warn("keep-warm request failed", "err", err)
			}
		}
	}
}

// KeepWarmOnce asks router.KeepWarm for the app of each model revision
// and, when it says so, sends that app a GET through its ingress: the
// request is activity for the app's scale rule, so its cooldown starts
// again, and any answer shows a replica is up. It reports how many it sent.
func (s *Server) KeepWarmOnce(ctx context.Context) (int, error) {
	sent := 0
	var errs []error
	for _, m := range s.cfg.Models.All() {
		for _, rev := range m.Revisions {
			if !router.KeepWarm(rev.Tracker.Snapshot(s.cfg.Now()), m.Settings()) {
				continue
			}
			sent++
			if err := s.keepWarm(ctx, rev); err != nil {
				errs = append(errs, fmt.Errorf("model %s, revision %s: %w", m.Name, rev.Name, err))
			}
		}
	}
	return sent, errors.Join(errs...)
}

// keepWarm sends revision m's app one keep-warm request.
func (s *Server) keepWarm(ctx context.Context, m *models.Revision) error {
	ctx, cancel := context.WithTimeout(ctx, keepWarmTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.InferenceURL.String(), nil)
	if err != nil {
		return fmt.Errorf("keep-warm request: %w", err)
	}
	resp, err := s.cfg.Transport.RoundTrip(req)
	if err != nil {
		return fmt.Errorf("keep-warm request: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return fmt.Errorf("keep-warm request: inference app answered %s", resp.Status)
	}
	// A 4xx (a GET on a POST endpoint) still comes from a running replica.
	m.Tracker.Pinged(s.cfg.Now())
	return nil
}
