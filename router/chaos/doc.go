// Package chaos is the router's fault suite: it runs the router binary as a
// process, with the reference model as its batch command, against Azurite,
// and injects the faults an operator would meet — kill -9 of the router and
// of the model mid-batch, the storage emulator stopped during acceptance,
// concurrent retries with one Idempotency-Key, an input that kills the
// model in a full micro-batch, slow clients, kill -9 of the router while the
// app answers expedited jobs (whose hidden messages must reach the next
// router's pool), kill -9 of the router in the middle of a Batch API batch
// holding a line that kills the model (every line once in its output or
// error file, that line alone failed), three routers as one fleet with
// kill -9 of their leader (micro-batches at once never above
// max-batch-nodes, one keep-warm stream, the takeover time printed), two
// regions whose region A loses its model (A's realtime requests answered by
// B, A's jobs read through B) — then counts, per scenario, accepted,
// succeeded, failed, lost and duplicated runs (lines, for the Batch API).
//
// `go test ./router/chaos` (part of `make test`) runs the scenarios without
// process kills; `make chaos` runs them all (CHAOS=1). Every scenario fails
// on a lost job; the no-fault race also fails on a duplicated run.
package chaos
