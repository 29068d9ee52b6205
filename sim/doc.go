// Package sim replays inference traces through the routing policies and
// capacity models of gpu-orchestration and reports what each policy costs and
// which deadlines it misses, per model and for the fleet of models.
//
// The pieces, one file each:
//   - trace.go reads the Azure LLM inference trace format
//     (TIMESTAMP,ContextTokens,GeneratedTokens); synth.go writes synthetic
//     ones.
//   - rule.go derives each request's class, deadline and X-Route mode with a
//     seeded, documented rule; throughput.go turns tokens into GPU time.
//   - params.go holds every model parameter with its source; gpu.go the GPU
//     types a model is deployed on (T4, A100).
//   - models.go is a replay of one or several models, each with its trace,
//     its GPU and its router settings, their requests merged in time, in
//     one region or several (regions.go: each serving the model with its
//     own trace, shifted in time).
//   - engine.go is a discrete-event loop; region.go builds each region's
//     stack: realtime.go models the Container Apps GPU app of each model
//     revision, batch.go the work queue, the dispatchers' micro-batches (per
//     model and revision) and a Batch pool per GPU type, scaled by the
//     stack's autoscale formula through the autoscale package's evaluator.
//   - policy.go holds the routing policies; "production" calls
//     router.Decide with State built by the router's own live.Tracker of the
//     request's model revision; "openai-api" is production for callers of
//     the OpenAI-compatible API (chat completions forced realtime, Batch API
//     lines forced batch).
//   - routers.go models the router app's replicas: requests spread over
//     them, each deciding on its own catalog (router/models) whose trackers
//     read the others' live.Share as of their last publication, one leading
//     the dispatcher and keep-warm — or each alone.
//   - spillover.go offers a peer region the realtime requests a region's
//     router refuses for their deadline, as router/http does, each way
//     across half the round trip between regions.
//   - canary.go models a canary revision of a model (slower, failing): the
//     router's split, the retry on stable, and its analysis
//     (rollout.Analyst over models.Stats windows) that rolls it back.
//   - lowerbound.go computes the bound no policy can beat; result.go the
//     figures; plot.go the SVG.
//
// A run is deterministic for its seed.
package sim
