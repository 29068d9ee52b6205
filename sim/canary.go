package sim

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/rollout"
)

// Revision names of a model with a canary, as its MODELS entry lists them.
const (
	StableRevision = "stable"
	CanaryRevision = "canary"
)

// Canary is a canary revision of a model: its own GPU app on the model's
// GPU, taking Weight percent of the model's requests (the router's split,
// per request: a simulated caller sends no session to stick to), slower
// than stable or failing a share of its answers, judged against stable by
// the router's analysis under Rollback.
type Canary struct {
	Weight int
	// Slower multiplies the model time of its requests (1: as stable).
	Slower float64
	// FailShare of its answers are errors (the app answers 500 once it has
	// run the request, the case that leaves a retry least time), and as
	// much of its batch lines fail.
	FailShare float64
	Rollback  config.Rollback
}

// DefaultRollback are the thresholds a canary is judged by unless given:
// those of the router's own tests (router/rollout).
func DefaultRollback() config.Rollback {
	return config.Rollback{MaxErrorRatio: 0.05, LatencyPercentile: 95, MaxLatencyRatio: 1.5, MinRequests: 20, WindowSeconds: 60}
}

// Validate names the first figure out of range; the thresholds are checked
// by router/config with the model's MODELS entry (catalogSpecs).
func (c Canary) Validate() error {
	switch {
	case c.Weight < 1 || c.Weight > 99:
		return fmt.Errorf("sim: canary weight %d; want 1 to 99 percent of the model's traffic", c.Weight)
	case c.Slower <= 0:
		return fmt.Errorf("sim: canary slower %g; want a positive factor of the model time", c.Slower)
	case c.FailShare < 0 || c.FailShare > 1:
		return fmt.Errorf("sim: canary fail share %g; want 0 to 1", c.FailShare)
	}
	return nil
}

// CanaryResult is what a canary did in a production run and what the
// model's users saw.
type CanaryResult struct {
	Model     string          `json:"model"`
	Weight    int             `json:"weight"`
	Slower    float64         `json:"slower"`
	FailShare float64         `json:"fail_share"`
	Rollback  config.Rollback `json:"rollback"`
	// RolledBackS is when the analysis rolled it back, in seconds after the
	// first request (-1: never); Reason why, on the evidence of Verdict.
	// AllReplicasS is when the last router replica had it out of its split
	// (-1: some never did, each alone judging its own evidence).
	RolledBackS  float64          `json:"rolled_back_s"`
	AllReplicasS float64          `json:"all_replicas_s,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	Verdict      *rollout.Verdict `json:"verdict,omitempty"`
	// Requests the split gave it (before and after the rollback), its calls
	// answered with an error, those retried on stable and how many of them
	// stable answered within the deadline; its batch lines that failed.
	Requests       int `json:"requests"`
	RequestsAfter  int `json:"requests_after_rollback"`
	FailedCalls    int `json:"failed_calls"`
	Retried        int `json:"retried_on_stable"`
	RetriedInTime  int `json:"retried_answered_in_time"`
	FailedJobLines int `json:"failed_batch_lines"`
	// Before and After are what the model's callers saw, by arrival before
	// or after the rollback (all Before when never rolled back); Callers
	// what those the split gave the canary saw.
	Before  UsersSaw `json:"before"`
	After   UsersSaw `json:"after"`
	Callers UsersSaw `json:"canary_callers"`
}

// UsersSaw counts a model's requests, those that got an error (refused,
// failed, cut) and those not answered in time (errors included).
type UsersSaw struct {
	Requests int `json:"requests"`
	Errors   int `json:"errors"`
	Missed   int `json:"missed"`
}

// canaries follows the models' canaries through a production run: their
// failures, the retries on stable, and the leaders' analysis
// (rollout.Analyst over the catalog of their replica) that rolls them back.
type canaries struct {
	e     *engine
	reg   *region
	fleet *fleet
	rng   *rand.Rand
	// analysts are the leading replicas' (nil for the others).
	analysts []*rollout.Analyst
	// Per request ID: the split gave it the canary; its failed canary call
	// was sent again to stable.
	picked, retried []bool
	// Per model index: when its canary was rolled back (-1: not) and the
	// verdict; when the last replica heard; failures counted.
	rolledBack, allHeard []time.Duration
	verdicts             []*rollout.Verdict
	heardBy              []map[int]bool
	failedCalls, lines   []int
}

func newCanaries(e *engine, reg *region, f *fleet) *canaries {
	n := len(e.models)
	c := &canaries{e: e, reg: reg, fleet: f, rng: rand.New(rand.NewPCG(e.rp.seed, 0xca9a11^uint64(reg.index))), picked: make([]bool, len(e.reqs)), retried: make([]bool, len(e.reqs)),
		rolledBack: make([]time.Duration, n), allHeard: make([]time.Duration, n), verdicts: make([]*rollout.Verdict, n),
		heardBy: make([]map[int]bool, n), failedCalls: make([]int, n), lines: make([]int, n)}
	for i := range n {
		c.rolledBack[i], c.allHeard[i], c.heardBy[i] = -1, -1, map[int]bool{}
	}
	return c
}

// any reports whether a model of the region has a canary.
func (c *canaries) any() bool {
	for _, m := range c.reg.models {
		if len(m.apps) > 1 {
			return true
		}
	}
	return false
}

// schedule starts the analysis on the leading replicas, every
// rollout.Every as the router's analyst runs.
func (c *canaries) schedule() {
	if !c.any() {
		return
	}
	f := c.fleet
	c.analysts = make([]*rollout.Analyst, len(f.replicas))
	for i, rr := range f.replicas {
		if f.leads(i) {
			c.analysts[i] = &rollout.Analyst{Models: rr.cat, Log: slog.New(slog.DiscardHandler), Now: c.e.wall}
			c.e.schedule(event{at: rollout.Every + f.phase(i, rollout.Every), kind: evAnalyse, router: i, reg: c.reg})
		}
	}
}

// fails draws whether an answer of app a is an error.
func (c *canaries) fails(a *app) bool {
	return a.failShare > 0 && c.rng.Float64() < a.failShare
}

// failedAnswer handles a canary's answer that is an error. A proxied call
// — always a request's first, as only canaries fail — is sent again to the
// model's stable revision within what is left of the deadline (router/http:
// the experiment's failures are not the caller's); an expedited job's
// message is released and the pool runs the job, still pinned to the
// canary (router/dispatch).
func (c *canaries) failedAnswer(call *rtCall) {
	e, r := c.e, call.req
	if !call.proxied {
		e.batchSubmit(r)
		return
	}
	c.failedCalls[r.Model]++
	c.retried[r.ID] = true
	e.rev[r.ID] = 0
	e.models[r.Model].apps[0].submit(r, true)
}

// lineFailed counts a canary's batch line that failed.
func (c *canaries) lineFailed(model int) { c.lines[model]++ }

// analyse is replica i's analyst judging every canary on its windows (its
// own and the peers' last read) and rolling back those that fail.
func (c *canaries) analyse(i int) {
	for name, vs := range c.analysts[i].Once(context.Background()) {
		for _, v := range vs {
			if !v.RollBack {
				continue
			}
			m := c.modelNamed(name)
			if c.rolledBack[m] < 0 {
				c.rolledBack[m], c.verdicts[m] = c.e.now, &v
			}
			c.heard(i)
		}
	}
}

// heard records that replica i has a canary out of its split now.
func (c *canaries) heard(i int) {
	for local, mm := range c.fleet.replicas[i].cat.All() {
		m := c.reg.models[local].index
		if len(mm.RolledBack()) == 0 || c.heardBy[m][i] {
			continue
		}
		c.heardBy[m][i] = true
		if len(c.heardBy[m]) == len(c.fleet.replicas) {
			c.allHeard[m] = c.e.now
		}
	}
}

func (c *canaries) modelNamed(name string) int {
	for _, m := range c.reg.models {
		if m.Name == name {
			return m.index
		}
	}
	panic("sim: the analyst judged a model the replay has not: " + name)
}

// results are each canary's figures once the run is over.
func (c *canaries) results(out []Outcome) []CanaryResult {
	var res []CanaryResult
	for _, m := range c.reg.models {
		mi := m.index
		if m.Canary == nil || len(m.apps) < 2 {
			continue
		}
		at := c.rolledBack[mi]
		r := CanaryResult{Model: m.Name, Weight: m.Canary.Weight, Slower: m.Canary.Slower, FailShare: m.Canary.FailShare, Rollback: m.Canary.Rollback,
			RolledBackS: -1, FailedCalls: c.failedCalls[mi], FailedJobLines: c.lines[mi], Verdict: c.verdicts[mi]}
		if at >= 0 {
			r.RolledBackS, r.AllReplicasS = round(at.Seconds(), 3), round(c.allHeard[mi].Seconds(), 3)
			r.Reason = c.verdicts[mi].Reason
		}
		for _, id := range c.e.rp.byModel[mi] {
			q, o := c.e.reqs[id], out[id]
			after := at >= 0 && q.Arrival >= at
			saw := &r.Before
			if after {
				saw = &r.After
			}
			saw.count(q, o)
			if c.picked[id] {
				r.Callers.count(q, o)
				if after {
					r.RequestsAfter++
				}
			}
			if c.retried[id] {
				r.Retried++
				if !o.Missed(q) {
					r.RetriedInTime++
				}
			}
		}
		r.Requests = r.Callers.Requests
		res = append(res, r)
	}
	return res
}

func (u *UsersSaw) count(q Request, o Outcome) {
	u.Requests++
	if !o.Answered {
		u.Errors++
	}
	if o.Missed(q) {
		u.Missed++
	}
}
