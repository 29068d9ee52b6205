package sim

import (
	"testing"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// An app idle far longer than its cooldown, woken by a cold refusal at
// 625 s: the router's wake request waits at the ingress through the 10 s
// cold start, so the scale check at 630 s keeps the replica it started, and
// the cooldown counts from its answer at 635 s, so the check at 660 s keeps
// it too. The next request, at 680 s, finds it warm (the router, told by the
// wake's answer that a replica is up, sends it) and is answered in its 2 s.
// The replica goes at the first check 60 s after that answer, 750 s: 125
// replica-seconds at $0.001.
func TestAWokenAppStaysUpThroughTheScaleChecks(t *testing.T) {
	p := handParams()
	s := p.StackSettings()
	s.ColdStart = p.ColdStart
	reqs := []Request{
		req(0, 625*time.Second, Interactive, router.ModeRealtime, 3*time.Second),
		req(1, 680*time.Second, Interactive, router.ModeRealtime, 3*time.Second),
	}
	out, res := mustRun(t, reqs, Production, p, s)
	if out[0].Reason != string(router.ReasonColdStartTooSlow) {
		t.Fatalf("first request: %+v; want refused cold_start_too_slow, which wakes the app", out[0])
	}
	if o := out[1]; o.Route != router.RouteRealtime || !o.Answered || o.Latency != 2*time.Second {
		t.Errorf("request after the scale checks: %+v; want answered by the woken replica in 2s", o)
	}
	if !near(res.CostUSD, 0.125) {
		t.Errorf("cost $%v; want $0.125, one replica from the wake at 625 s to 750 s", res.CostUSD)
	}
}

// The wake request is in flight for the HTTP scale rule as any request is:
// with concurrency 1, a call the router sends while the wake's cold start is
// under way makes two requests in flight, so a second replica starts. Both
// stay until the cooldown after the call's answer (12 s) and the 60 s
// stabilization window have passed, at the check at 90 s: 90 + 89
// replica-seconds at $0.001.
func TestTheWakeCountsForTheHTTPRule(t *testing.T) {
	p := handParams()
	p.MaxReplicas = 2
	s := p.StackSettings()
	s.ColdStart = p.ColdStart
	reqs := []Request{
		req(0, 0, Interactive, router.ModeRealtime, 3*time.Second),
		req(1, time.Second, Interactive, router.ModeRealtime, time.Minute),
	}
	out, res := mustRun(t, reqs, Production, p, s)
	if out[0].Reason != string(router.ReasonColdStartTooSlow) || out[1].Route != router.RouteRealtime || !out[1].Answered {
		t.Fatalf("requests %+v and %+v; want the first refused cold_start_too_slow and the second sent to the starting app", out[0], out[1])
	}
	if !near(res.CostUSD, 0.179) {
		t.Errorf("cost $%v; want $0.179: two replicas from 0 s and 1 s to 90 s", res.CostUSD)
	}
}

// A wake request whose cold start outlasts the ingress timeout is cut
// there, as any request is: with a 5 s timeout and a 10 s cold start it
// holds the app until 5 s, so the 55 s cooldown has passed at the check at
// 60 s, which removes the replica the wake started: 60 replica-seconds at
// $0.001 (held until its answer at 10 s, it would stay to the check at
// 90 s).
func TestTheIngressCutsAWakeLikeAnyRequest(t *testing.T) {
	p := handParams()
	p.IngressTimeout, p.Cooldown = 5*time.Second, 55*time.Second
	s := p.StackSettings()
	s.ColdStart = p.ColdStart
	out, res := mustRun(t, []Request{req(0, 0, Interactive, router.ModeRealtime, 3*time.Second)}, Production, p, s)
	if out[0].Reason != string(router.ReasonColdStartTooSlow) {
		t.Fatalf("request: %+v; want refused cold_start_too_slow, which wakes the app", out[0])
	}
	if !near(res.CostUSD, 0.060) {
		t.Errorf("cost $%v; want $0.060, one replica from the wake at 0 s to the check at 60 s", res.CostUSD)
	}
}
