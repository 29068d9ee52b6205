package http

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
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

// KeepWarmOnce asks router.KeepWarm and, when it says so, sends the
// inference app a GET through its ingress: the request is activity for the
// app's scale rule, so its cooldown starts again, and any answer shows a
// replica is up. It reports whether it sent one.
func (s *Server) KeepWarmOnce(ctx context.Context) (bool, error) {
	now := s.cfg.Now()
	if !router.KeepWarm(s.cfg.Tracker.Snapshot(now), s.cfg.Settings.Current()) {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, keepWarmTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.InferenceURL.String(), nil)
	if err != nil {
		return true, fmt.Errorf("keep-warm request: %w", err)
	}
	resp, err := s.cfg.Transport.RoundTrip(req)
	if err != nil {
		return true, fmt.Errorf("keep-warm request: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return true, fmt.Errorf("keep-warm request: inference app answered %s", resp.Status)
	}
	// A 4xx (a GET on a POST endpoint) still comes from a running replica.
	s.cfg.Tracker.Pinged(s.cfg.Now())
	return true, nil
}
