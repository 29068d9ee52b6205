package http

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// wake sends one request of the router's own to the app of model m's
// revision rev (GET models under its OpenAI base URL; any answer will do),
// so that a refused client's retry finds a replica up: Container Apps starts
// a replica only for traffic that reaches the app. At most one wake request
// per app is in flight. fresh: no cold start is under way, so this one
// begins it (live.Tracker.BeginCold).
func (s *Server) wake(m *models.Deployment, rev *models.Revision, fresh bool) {
	key := rev.Key(m)
	flag, _ := s.waking.LoadOrStore(key, new(atomic.Bool))
	waking := flag.(*atomic.Bool)
	if !waking.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer waking.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RealtimeTimeout)
		defer cancel()
		if s.cfg.TakeWake != nil && !s.cfg.TakeWake(ctx, key) {
			return // another replica is waking it
		}
		u := *rev.OpenAIURL
		u.Path = strings.TrimSuffix(u.Path, "/") + "/models"
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return
		}
		start := s.cfg.Now()
		rev.Tracker.Begin(start)
		rev.Tracker.BeginCold(start, fresh)
		resp, err := s.cfg.Transport.RoundTrip(req)
		ok := err == nil && resp.StatusCode < 500
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		now := s.cfg.Now()
		// Never a model-time sample: it may hold a cold start.
		rev.Tracker.End(now, now.Sub(start), -1, live.AnswerOf(ok, false))
		s.cfg.Log.Info("woke the inference app", "model", m.Name, "revision", rev.Name, "ok", ok, "took", now.Sub(start).Round(time.Millisecond))
	}()
}
