// Package router is the domain of the routing service: what a user's inference
// request is, how the router decides where it runs, what a batch job is, the
// stable error codes users see, the routing settings, and the services the
// router depends on (work queue, job store, payload store, executor).
//
// The package does no I/O. Implementations live in subpackages named for their
// dependency or job: azure (queues, blobs, Key Vault, Batch), local (the batch
// command as a process), mem (in-memory stores for tests), http (the API and
// realtime proxy), jobs (durable acceptance), dispatch (the dispatcher and
// queue-depth watcher), live (live state and refreshed settings) and metrics.
// config is the environment contract, app wires the rest from it, and
// cmd/router runs app.
// Decide is pure so that the offline simulator replays a trace through exactly
// the code that routes production traffic.
package router
