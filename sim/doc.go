// Package sim replays an inference trace through the routing policies and
// capacity models of gpu-orchestration and reports what each policy costs and
// which deadlines it misses.
//
// The pieces, one file each:
//   - trace.go reads the Azure LLM inference trace format
//     (TIMESTAMP,ContextTokens,GeneratedTokens).
//   - rule.go derives each request's class, deadline and X-Route mode with a
//     seeded, documented rule; throughput.go turns tokens into GPU time.
//   - params.go holds every model parameter with its source.
//   - engine.go is a discrete-event loop; realtime.go models the Container
//     Apps GPU replicas, batch.go the work queue, the dispatcher's
//     micro-batches and the Batch pool, scaled by the stack's autoscale
//     formula through the autoscale package's evaluator.
//   - policy.go holds the routing policies; "production" calls
//     router.Decide with State built by the router's own live.Tracker;
//     "openai-api" is production for callers of the OpenAI-compatible API
//     (chat completions forced realtime, Batch API lines forced batch).
//   - lowerbound.go computes the bound no policy can beat; result.go the
//     figures; plot.go the SVG.
//
// A run is deterministic for its seed.
package sim
