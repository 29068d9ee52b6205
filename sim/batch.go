package sim

import (
	"sort"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
)

// job is a request accepted for the batch path, pinned to the revision of
// its model it was on.
type job struct {
	req      *Request
	enqueued time.Duration
}

// task is one micro-batch, one Batch task: jobs of one model revision,
// gathered by one dispatcher.
type task struct {
	queueKey
	jobs    []*job
	started time.Duration
}

// node is one Spot node of a Batch pool.
type node struct {
	pool        *pool
	allocated   time.Duration
	ready       bool
	task        *task
	leaving     bool
	removed     bool
	replacement bool
	gen         uint64
}

// queueKey names the jobs one dispatcher gathers into micro-batches: a
// micro-batch never mixes models or revisions.
type queueKey struct{ model, rev, gatherer int }

// mbQueue is one dispatcher's gathering of one model revision's jobs.
type mbQueue struct {
	pool    *pool
	key     queueKey
	jobs    []*job // messages taken, not yet cut into a micro-batch
	flushAt time.Duration
	flushOn bool
}

// pool models the work queue, the dispatchers' micro-batches and the Batch
// pool of one GPU type, scaled by the stack's formula. Its tasks run its
// models' images; each model's micro-batches are its own.
type pool struct {
	e   *engine
	reg *region
	// p are the pool's figures: its first model's, with the largest node
	// limit of its models.
	p       Params
	models  []int
	formula *autoscale.Formula
	queues  map[queueKey]*mbQueue
	stored  int     // messages in the storage queue: accepted, not finished
	active  []*task // Batch tasks waiting for a node
	running int
	nodes   []*node
	target  int // $TargetLowPriorityNodes + $TargetDedicatedNodes in force
	targetD int
	dealloc string
	// preempted counts preempted nodes whose replacement is not ready yet.
	preempted int
	hist      map[string][]autoscale.Sample
	seconds   float64 // node-seconds billed
	// busy is the node-seconds each model's tasks ran, by model index: its
	// share of the pool's bill.
	busy      map[int]float64
	evalFails int
	preempts  int
}

// share is model m's part of the pool's node time: what its tasks ran of
// all tasks' time (an equal part when no task ran).
func (b *pool) share(m int) float64 {
	total := 0.0
	for _, s := range b.busy {
		total += s
	}
	if total == 0 {
		return 1 / float64(len(b.models))
	}
	return b.busy[m] / total
}

// submit queues r's job, pinned to revision rev of its model, with the
// dispatcher that receives its message.
func (b *pool) submit(r *Request, rev int) {
	key := queueKey{model: r.Model, rev: rev}
	if p := b.reg.prod; p != nil {
		key.gatherer = p.fleet.gatherer()
	}
	q := b.queues[key]
	if q == nil {
		q = &mbQueue{pool: b, key: key}
		b.queues[key] = q
	}
	q.jobs = append(q.jobs, &job{req: r, enqueued: b.e.now})
	b.stored++
	if len(q.jobs) >= b.p.MicroBatchMax {
		q.dispatch(false)
	}
	q.arm()
}

// arm schedules the dispatcher to cut a micro-batch when the oldest
// message has waited MicroBatchWait.
func (q *mbQueue) arm() {
	if len(q.jobs) == 0 || q.flushOn {
		return
	}
	q.flushOn, q.flushAt = true, q.jobs[0].enqueued+q.pool.p.MicroBatchWait
	q.pool.e.schedule(event{at: q.flushAt, kind: evDispatch, queue: q})
}

// dispatch cuts full micro-batches, and with all also the last partial one.
func (q *mbQueue) dispatch(all bool) {
	b := q.pool
	for len(q.jobs) >= b.p.MicroBatchMax || (all && len(q.jobs) > 0) {
		n := min(len(q.jobs), b.p.MicroBatchMax)
		t := &task{queueKey: q.key, jobs: append([]*job(nil), q.jobs[:n]...)}
		if p := b.reg.prod; p != nil {
			t.rev = p.runsOn(t.queueKey)
		}
		q.jobs = q.jobs[n:]
		b.active = append(b.active, t)
	}
	b.assignTasks()
}

func (q *mbQueue) timer() {
	q.flushOn = false
	q.dispatch(true)
	q.arm()
}

// assignTasks starts waiting tasks on idle ready nodes, oldest task first.
// A task runs its jobs at its model revision's speed on the model's GPU.
func (b *pool) assignTasks() {
	for _, n := range b.nodes {
		if len(b.active) == 0 {
			return
		}
		if n.ready && !n.leaving && n.task == nil {
			t := b.active[0]
			b.active = b.active[1:]
			n.task = t
			t.started = b.e.now
			b.running++
			m := b.e.models[t.model]
			slower := m.apps[t.rev].slower
			svc := make([]time.Duration, len(t.jobs))
			for i, j := range t.jobs {
				svc[i] = time.Duration(float64(m.Params.Throughput.ServiceTime(j.req.ContextTokens, j.req.GeneratedTokens)) * slower)
			}
			b.e.schedule(event{at: b.e.now + m.Params.TaskStartup + m.Params.Throughput.makespan(svc, m.Params.Throughput.MaxStreams), kind: evTaskDone, node: n, gen: n.gen})
		}
	}
}

// stop takes t off its node: its run so far counts to its model's share.
func (b *pool) stop(n *node) *task {
	t := n.task
	n.task = nil
	b.running--
	b.busy[t.model] += (b.e.now - t.started).Seconds()
	return t
}

func (b *pool) taskDone(n *node, gen uint64) {
	if n.removed || n.gen != gen || n.task == nil {
		return
	}
	t := b.stop(n)
	n.gen++
	b.stored -= len(t.jobs)
	for _, j := range t.jobs {
		if p := b.reg.prod; p != nil {
			p.jobDone(t, j)
		} else {
			b.e.answered(j.req, b.e.now)
		}
	}
	if n.leaving {
		b.removeNode(n)
	}
	b.assignTasks()
}

func (b *pool) current() int {
	c := 0
	for _, n := range b.nodes {
		if !n.leaving {
			c++
		}
	}
	return c
}

func (b *pool) allocateNode(replacement bool) {
	n := &node{pool: b, allocated: b.e.now, replacement: replacement}
	b.nodes = append(b.nodes, n)
	b.e.schedule(event{at: b.e.now + b.p.NodeAllocationDelay, kind: evNodeReady, node: n, gen: n.gen})
}

func (b *pool) nodeReady(n *node, gen uint64) {
	if n.removed || n.gen != gen {
		return
	}
	n.ready = true
	if n.replacement {
		n.replacement = false
		b.preempted--
	}
	if b.p.PreemptionRatePerHour > 0 {
		hours := b.reg.rng.ExpFloat64() / b.p.PreemptionRatePerHour
		if at := b.e.now + time.Duration(hours*float64(time.Hour)); hours < 1e6 {
			b.e.schedule(event{at: at, kind: evPreempt, node: n})
		}
	}
	b.assignTasks()
}

// preempt evicts a Spot node: its running task goes back to the head of the
// waiting tasks, and the pool allocates a replacement while it is below
// target.
func (b *pool) preempt(n *node) {
	if n.removed {
		return
	}
	b.preempts++
	if n.task != nil {
		b.active = append([]*task{b.stop(n)}, b.active...)
	}
	leaving := n.leaving
	b.removeNode(n)
	if !leaving && b.current() < b.target {
		b.preempted++
		b.allocateNode(true)
	}
	b.assignTasks()
}

func (b *pool) removeNode(n *node) {
	if n.removed {
		return
	}
	n.removed = true
	n.gen++
	if n.replacement {
		b.preempted--
	}
	b.seconds += (b.e.now - n.allocated).Seconds()
	for i, x := range b.nodes {
		if x == n {
			b.nodes = append(b.nodes[:i], b.nodes[i+1:]...)
			break
		}
	}
}

// sample records the service variables every 30 seconds, as Batch does.
func (b *pool) sample() {
	t := b.e.wall()
	// $CurrentLowPriorityNodes counts ready plus preempted Spot nodes, as
	// autoscale.Simulate counts them.
	lp := b.preempted
	for _, n := range b.nodes {
		if n.ready {
			lp++
		}
	}
	vals := map[string]float64{
		autoscale.VarPendingTasks:            float64(len(b.active) + b.running),
		autoscale.VarActiveTasks:             float64(len(b.active)),
		autoscale.VarRunningTasks:            float64(b.running),
		autoscale.VarCurrentDedicatedNodes:   0,
		autoscale.VarCurrentLowPriorityNodes: float64(lp),
		autoscale.VarPreemptedNodeCount:      float64(b.preempted),
	}
	for k, v := range vals {
		b.hist[k] = append(b.hist[k], autoscale.Sample{Time: t, Value: v})
	}
}

// delayedSamples is what the formula sees at evaluation: only samples older
// than the sample delay.
type delayedSamples struct {
	hist   map[string][]autoscale.Sample
	cutoff time.Time
}

func (d delayedSamples) History(v string) []autoscale.Sample {
	h := d.hist[v]
	i := sort.Search(len(h), func(i int) bool { return h[i].Time.After(d.cutoff) })
	return h[:i]
}

// evaluate runs the stack's formula and moves the pool toward its target.
// A failed evaluation leaves the targets as they are, as Azure does.
func (b *pool) evaluate() {
	res, err := b.formula.Evaluate(autoscale.Env{
		Now:                    b.e.wall(),
		Samples:                delayedSamples{hist: b.hist, cutoff: b.e.wall().Add(-b.p.SampleDelay)},
		TargetDedicatedNodes:   float64(b.targetD),
		TargetLowPriorityNodes: float64(b.target - b.targetD),
	})
	if err != nil {
		b.evalFails++
		return
	}
	lp, ded := b.target-b.targetD, b.targetD
	if res.TargetLowPriorityNodes != nil {
		lp = *res.TargetLowPriorityNodes
	}
	if res.TargetDedicatedNodes != nil {
		ded = *res.TargetDedicatedNodes
	}
	// Dedicated and Spot nodes run the same tasks at the model's Spot
	// price; the stack's floor is 0, so all nodes are Spot here.
	b.targetD, b.target, b.dealloc = ded, max(0, lp)+max(0, ded), res.NodeDeallocationOption
	b.resize()
}

// resize moves the pool to its target: more nodes are allocated; fewer go
// allocating first, then idle, then running ones as $NodeDeallocationOption
// says (taskcompletion and retaineddata finish the task; requeue and
// terminate put it back in the queue).
func (b *pool) resize() {
	for c := b.current(); c < b.target; c++ {
		b.allocateNode(false)
	}
	excess := b.current() - b.target
	pick := func(ok func(*node) bool) *node {
		for i := len(b.nodes) - 1; i >= 0; i-- {
			if n := b.nodes[i]; !n.leaving && ok(n) {
				return n
			}
		}
		return nil
	}
	for ; excess > 0; excess-- {
		if n := pick(func(n *node) bool { return !n.ready }); n != nil {
			b.removeNode(n)
			continue
		}
		if n := pick(func(n *node) bool { return n.task == nil }); n != nil {
			b.removeNode(n)
			continue
		}
		n := pick(func(*node) bool { return true })
		if n == nil {
			break
		}
		switch b.dealloc {
		case "requeue", "terminate":
			b.active = append([]*task{b.stop(n)}, b.active...)
			b.removeNode(n)
		default:
			n.leaving = true
		}
	}
	b.assignTasks()
}
