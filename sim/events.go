package sim

import (
	"container/heap"
	"time"
)

type eventKind uint8

const (
	evArrival eventKind = iota
	evReplicaReady
	evStreamDone
	evCallTimeout
	evWakeTimeout
	evScaleEval
	evDispatch
	evNodeReady
	evTaskDone
	evPreempt
	evSample
	evEvaluate
	evDepthPoll
	evKeepWarm
	evSync
	evAnalyse
	evOffered
	evDeclined
)

// event is one scheduled happening. Events at the same time run in the
// order they were scheduled, so a run is deterministic.
type event struct {
	at    time.Duration
	seq   uint64
	kind  eventKind
	req   int
	call  *rtCall
	rep   *replica
	node  *node
	gen   uint64
	app   *app
	pool  *pool
	queue *mbQueue
	fwd   *forward
	// router is the router replica whose duty or answer it is, in region
	// reg.
	router int
	reg    *region
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

func (e *engine) schedule(ev event) {
	e.seq++
	ev.seq = e.seq
	heap.Push(&e.q, ev)
}
