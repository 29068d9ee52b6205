package sim

import (
	"sort"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/autoscale"
)

// job is a request accepted for the batch path.
type job struct {
	req      *Request
	enqueued time.Duration
}

// task is one micro-batch: one Batch task.
type task struct {
	jobs []*job
}

// node is one Spot node of the Batch pool.
type node struct {
	allocated   time.Duration
	ready       bool
	task        *task
	leaving     bool
	removed     bool
	replacement bool
	gen         uint64
}

// batchPool models the work queue, the dispatcher's micro-batches and the
// Batch pool scaled by the stack's formula.
type batchPool struct {
	formula *autoscale.Formula
	queue   []*job // messages not yet taken by the dispatcher
	stored  int    // messages in the storage queue: accepted, not finished
	flushAt time.Duration
	flushOn bool
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
	evalFails int
	preempts  int
}

func (e *engine) batchSubmit(req *Request) {
	b := &e.bp
	b.queue = append(b.queue, &job{req: req, enqueued: e.now})
	b.stored++
	if len(b.queue) >= e.p.MicroBatchMax {
		e.dispatch(false)
	}
	e.armFlush()
}

// armFlush schedules the dispatcher to cut a micro-batch when the oldest
// message has waited MicroBatchWait.
func (e *engine) armFlush() {
	b := &e.bp
	if len(b.queue) == 0 || b.flushOn {
		return
	}
	b.flushOn, b.flushAt = true, b.queue[0].enqueued+e.p.MicroBatchWait
	e.schedule(event{at: b.flushAt, kind: evDispatch})
}

// dispatch cuts full micro-batches, and with all also the last partial one.
func (e *engine) dispatch(all bool) {
	b := &e.bp
	for len(b.queue) >= e.p.MicroBatchMax || (all && len(b.queue) > 0) {
		n := min(len(b.queue), e.p.MicroBatchMax)
		t := &task{jobs: append([]*job(nil), b.queue[:n]...)}
		b.queue = b.queue[n:]
		b.active = append(b.active, t)
	}
	e.assignTasks()
}

func (e *engine) dispatchTimer() {
	e.bp.flushOn = false
	e.dispatch(true)
	e.armFlush()
}

// assignTasks starts waiting tasks on idle ready nodes, oldest task first.
func (e *engine) assignTasks() {
	b := &e.bp
	for _, n := range b.nodes {
		if len(b.active) == 0 {
			return
		}
		if n.ready && !n.leaving && n.task == nil {
			t := b.active[0]
			b.active = b.active[1:]
			n.task = t
			b.running++
			svc := make([]time.Duration, len(t.jobs))
			for i, j := range t.jobs {
				svc[i] = e.p.Throughput.ServiceTime(j.req.ContextTokens, j.req.GeneratedTokens)
			}
			e.schedule(event{at: e.now + e.p.TaskStartup + e.p.Throughput.makespan(svc, e.p.Throughput.MaxStreams), kind: evTaskDone, node: n, gen: n.gen})
		}
	}
}

func (e *engine) taskDone(n *node, gen uint64) {
	if n.removed || n.gen != gen || n.task == nil {
		return
	}
	b := &e.bp
	t := n.task
	n.task = nil
	n.gen++
	b.running--
	b.stored -= len(t.jobs)
	for _, j := range t.jobs {
		e.answered(j.req, e.now, "")
		if e.prod != nil {
			e.prod.tracker.ObserveBatch(e.wall(), e.now-j.enqueued)
		}
	}
	if n.leaving {
		e.removeNode(n)
	}
	e.assignTasks()
}

func (e *engine) current() int {
	c := 0
	for _, n := range e.bp.nodes {
		if !n.leaving {
			c++
		}
	}
	return c
}

func (e *engine) allocateNode(replacement bool) {
	n := &node{allocated: e.now, replacement: replacement}
	e.bp.nodes = append(e.bp.nodes, n)
	e.schedule(event{at: e.now + e.p.NodeAllocationDelay, kind: evNodeReady, node: n, gen: n.gen})
}

func (e *engine) nodeReady(n *node, gen uint64) {
	if n.removed || n.gen != gen {
		return
	}
	n.ready = true
	if n.replacement {
		n.replacement = false
		e.bp.preempted--
	}
	if e.p.PreemptionRatePerHour > 0 {
		hours := e.rng.ExpFloat64() / e.p.PreemptionRatePerHour
		if at := e.now + time.Duration(hours*float64(time.Hour)); hours < 1e6 {
			e.schedule(event{at: at, kind: evPreempt, node: n})
		}
	}
	e.assignTasks()
}

// preempt evicts a Spot node: its running task goes back to the head of the
// waiting tasks, and the pool allocates a replacement while it is below
// target.
func (e *engine) preempt(n *node) {
	if n.removed {
		return
	}
	b := &e.bp
	b.preempts++
	if t := n.task; t != nil {
		n.task = nil
		b.running--
		b.active = append([]*task{t}, b.active...)
	}
	leaving := n.leaving
	e.removeNode(n)
	if !leaving && e.current() < b.target {
		b.preempted++
		e.allocateNode(true)
	}
	e.assignTasks()
}

func (e *engine) removeNode(n *node) {
	if n.removed {
		return
	}
	n.removed = true
	n.gen++
	if n.replacement {
		e.bp.preempted--
	}
	e.bp.seconds += (e.now - n.allocated).Seconds()
	for i, x := range e.bp.nodes {
		if x == n {
			e.bp.nodes = append(e.bp.nodes[:i], e.bp.nodes[i+1:]...)
			break
		}
	}
}

// sample records the service variables every 30 seconds, as Batch does.
func (e *engine) sample() {
	b := &e.bp
	t := e.wall()
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
func (e *engine) evaluate() {
	b := &e.bp
	res, err := b.formula.Evaluate(autoscale.Env{
		Now:                    e.wall(),
		Samples:                delayedSamples{hist: b.hist, cutoff: e.wall().Add(-e.p.SampleDelay)},
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
	e.resize()
}

// resize moves the pool to its target: more nodes are allocated; fewer go
// allocating first, then idle, then running ones as $NodeDeallocationOption
// says (taskcompletion and retaineddata finish the task; requeue and
// terminate put it back in the queue).
func (e *engine) resize() {
	b := &e.bp
	for c := e.current(); c < b.target; c++ {
		e.allocateNode(false)
	}
	excess := e.current() - b.target
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
			e.removeNode(n)
			continue
		}
		if n := pick(func(n *node) bool { return n.task == nil }); n != nil {
			e.removeNode(n)
			continue
		}
		n := pick(func(*node) bool { return true })
		if n == nil {
			break
		}
		switch b.dealloc {
		case "requeue", "terminate":
			t := n.task
			n.task = nil
			b.running--
			b.active = append([]*task{t}, b.active...)
			e.removeNode(n)
		default:
			n.leaving = true
		}
	}
	e.assignTasks()
}
