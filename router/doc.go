// Package router is the domain of the routing service: what a user's inference
// request is, how the router decides where it runs, what a batch job and an
// OpenAI batch are, the stable error codes users see, the routing settings,
// the micro-batch contract with the inference image's batch command, and the
// services the router depends on (work queue, job store, payload store,
// executor, inferer, secret source, job and batch services).
//
// The package does no I/O, and Decide is pure, so that the offline
// simulator replays a trace through exactly the code that routes production
// traffic. Implementations live in subpackages named for their dependency or
// job:
//   - http: the API — both front doors (/v1/infer and the OpenAI endpoints)
//     share one request core — the realtime proxy, job and Batch API answers;
//   - jobs: durable acceptance of batch jobs; batchapi: the OpenAI Batch API
//     over them; dispatch: the dispatcher and the queue-depth watcher;
//     inference: the client that runs expedited jobs on the inference app;
//   - live: live state and refreshed settings; metrics: Prometheus;
//   - azure: queues, blobs, Key Vault, Batch; local: the batch command as a
//     process; mem: in-memory stores for tests; redact: credentials kept out
//     of logs;
//   - config: the environment contract the stack sets, which depends on this
//     package alone; app wires the rest from it; cmd/router runs app;
//   - chaos: the fault suite (tests only).
package router
