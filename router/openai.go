package router

// OpenAIEndpoints are the OpenAI API's inference endpoints the router serves:
// proxied to the inference app's same paths in realtime, and the urls a
// Batch API line may name (those vLLM's run-batch serves).
var OpenAIEndpoints = []string{"/v1/chat/completions", "/v1/completions", "/v1/embeddings"}
