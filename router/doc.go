// Package router is the domain of the routing service: what a user's inference
// request is, how the router decides where it runs, what a batch job is, the
// stable error codes users see, the routing settings, and the services the
// router depends on (work queue, job store, payload store, executor).
//
// The package does no I/O. Implementations live in subpackages named for their
// dependency (azure, local, http, dispatch, metrics); cmd/router wires them.
// Decide is pure so that the offline simulator replays a trace through exactly
// the code that routes production traffic.
package router
