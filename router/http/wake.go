package http

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

// wake sends one request of the router's own to the app (GET models under
// its OpenAI base URL; any answer will do), so that a refused client's retry
// finds a replica up: Container Apps starts a replica only for traffic that
// reaches the app. At most one wake request is in flight. fresh: no cold
// start is under way, so this one begins it (live.Tracker.BeginCold).
func (s *Server) wake(fresh bool) {
	if s.cfg.OpenAIURL == nil || !s.waking.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.waking.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RealtimeTimeout)
		defer cancel()
		if s.cfg.TakeWake != nil && !s.cfg.TakeWake(ctx) {
			return // another replica is waking it
		}
		u := *s.cfg.OpenAIURL
		u.Path = strings.TrimSuffix(u.Path, "/") + "/models"
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return
		}
		start := s.cfg.Now()
		s.cfg.Tracker.Begin(start)
		s.cfg.Tracker.BeginCold(start, fresh)
		resp, err := s.cfg.Transport.RoundTrip(req)
		ok := err == nil && resp.StatusCode < 500
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		now := s.cfg.Now()
		// Never a model-time sample: it may hold a cold start.
		s.cfg.Tracker.End(now, now.Sub(start), -1, live.AnswerOf(ok, false))
		s.cfg.Log.Info("woke the inference app", "ok", ok, "took", now.Sub(start).Round(time.Millisecond))
	}()
}
