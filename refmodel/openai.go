package refmodel

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The OpenAI-compatible endpoints a vLLM server offers, served by the
// reference model so the router's OpenAI front door and the pool's batch
// runner work end to end on a CPU: POST /v1/chat/completions,
// /v1/completions (both streamed as server-sent events when "stream" is
// true, both with n answers for "n"; a chat message carries refusal: null,
// as OpenAI's does), /v1/embeddings, and GET /v1/models.

// openAIError is OpenAI's error document.
type openAIError struct {
	Error openAIErrorDetail `json:"error"`
}

type openAIErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// requestError is a bad request, answered 400 (or Status) in OpenAI's shape.
type requestError struct {
	Status      int
	Param, Code string
	Message     string
}

func (e *requestError) Error() string { return e.Message }

func badParam(param, format string, args ...any) *requestError {
	return &requestError{Status: http.StatusBadRequest, Param: param, Code: "invalid_value", Message: fmt.Sprintf(format, args...)}
}

func writeOpenAIError(w http.ResponseWriter, err error) {
	var re *requestError
	if !errors.As(err, &re) {
		re = &requestError{Status: http.StatusBadRequest, Code: "invalid_request", Message: err.Error()}
	}
	d := openAIErrorDetail{Message: re.Message, Type: "invalid_request_error", Code: re.Code}
	if re.Status == http.StatusNotFound {
		d.Type = "not_found_error"
	}
	if re.Param != "" {
		d.Param = &re.Param
	}
	writeJSON(w, re.Status, openAIError{Error: d})
}

// modelCheck refuses a request for a model this server does not serve, as
// vLLM does (404 model_not_found).
func (o *openAIServer) modelCheck(model string) error {
	if model == "" {
		return badParam("model", "\"model\" is required; this server serves %q", o.model)
	}
	if model != o.model {
		return &requestError{Status: http.StatusNotFound, Param: "model", Code: "model_not_found",
			Message: fmt.Sprintf("the model %q does not exist; this server serves %q", model, o.model)}
	}
	return nil
}

type openAIServer struct {
	model string
	cfg   Config
}

// decodeJSON reads a request body into v, naming what was wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return &requestError{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large", Message: "body too large"}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badParam("", "body must be a JSON object: %v", err)
	}
	return nil
}

type chatRequest struct {
	Model               string        `json:"model"`
	Messages            []chatMessage `json:"messages"`
	MaxTokens           *int          `json:"max_tokens"`
	MaxCompletionTokens *int          `json:"max_completion_tokens"`
	N                   *int          `json:"n"`
	Stream              bool          `json:"stream"`
	// SleepMs is the reference model's own extension, as in Input: the
	// answer takes at least this long (capped at MaxSleep).
	SleepMs       int `json:"sleep_ms"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// text reads a message's content: a string, or an array of parts of which
// the text parts count.
func (m chatMessage) text() (string, error) {
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return "", errors.New("content must be a string or an array of content parts")
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String(), nil
}

func maxTokens(a, b *int) (int, error) {
	for _, p := range []*int{a, b} {
		if p != nil {
			if *p < 1 || *p > MaxTokens {
				return 0, badParam("max_tokens", "max_tokens must be between 1 and %d, got %d", MaxTokens, *p)
			}
			return *p, nil
		}
	}
	return DefaultMaxTokens, nil
}

// MaxChoices bounds n, as OpenAI's API does (1 to 128).
const MaxChoices = 128

// choices reads n: how many answers to give (default 1).
func choices(n *int) (int, error) {
	if n == nil {
		return 1, nil
	}
	if *n < 1 || *n > MaxChoices {
		return 0, badParam("n", "n must be between 1 and %d, got %d", MaxChoices, *n)
	}
	return *n, nil
}

// samples generates n answers to prompt.
func samples(prompt string, maxTokens, n int) []Completion {
	cs := make([]Completion, n)
	for i := range cs {
		cs[i] = Sample(prompt, maxTokens, i)
	}
	return cs
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// usageOf counts the prompt once and every answer's words.
func usageOf(cs []Completion) usage {
	u := usage{PromptTokens: cs[0].PromptTokens}
	for _, c := range cs {
		u.CompletionTokens += len(c.Words)
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}

// responseID is derived from the prompt so that answers are reproducible.
func responseID(prefix, prompt string) string {
	var b [8]byte
	h := hash64(prefix + prompt)
	for i := range b {
		b[i] = byte(h >> (8 * i))
	}
	return prefix + hex.EncodeToString(b[:])
}

func (o *openAIServer) chat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeOpenAIError(w, err)
		return
	}
	if err := o.modelCheck(req.Model); err != nil {
		writeOpenAIError(w, err)
		return
	}
	if len(req.Messages) == 0 {
		writeOpenAIError(w, badParam("messages", "\"messages\" must hold at least one message"))
		return
	}
	var prompt strings.Builder
	for i, m := range req.Messages {
		t, err := m.text()
		if err != nil {
			writeOpenAIError(w, badParam(fmt.Sprintf("messages[%d].content", i), "%v", err))
			return
		}
		prompt.WriteString(m.Role + ": " + t + "\n")
	}
	mt, err := maxTokens(req.MaxCompletionTokens, req.MaxTokens)
	if err != nil {
		writeOpenAIError(w, err)
		return
	}
	n, err := choices(req.N)
	if err != nil {
		writeOpenAIError(w, err)
		return
	}
	sleep(r.Context(), req.SleepMs)
	cs := samples(prompt.String(), mt, n)
	id, created := responseID("chatcmpl-", prompt.String()), time.Now().Unix()
	if !req.Stream {
		out := make([]any, n)
		for k, c := range cs {
			// refusal: null, as a model that answered gives (OpenAI's
			// ChatCompletionMessage requires the field).
			out[k] = map[string]any{"index": k, "finish_reason": c.FinishReason, "logprobs": nil,
				"message": map[string]any{"role": "assistant", "content": c.Text(), "refusal": nil}}
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"id": id, "object": "chat.completion", "created": created, "model": o.model,
			"choices": out, "usage": usageOf(cs),
		})
		return
	}
	chunk := func(k int, delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": o.model,
			"choices": []any{map[string]any{"index": k, "delta": delta, "finish_reason": finish, "logprobs": nil}}}
	}
	o.stream(w, r, cs, req.StreamOptions != nil && req.StreamOptions.IncludeUsage,
		func(k, i int) any {
			if i < 0 {
				return chunk(k, map[string]any{"role": "assistant", "content": "", "refusal": nil}, nil)
			}
			return chunk(k, map[string]any{"content": word(cs[k], i)}, nil)
		},
		func(k int) any { return chunk(k, map[string]any{}, cs[k].FinishReason) },
		map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": o.model,
			"choices": []any{}, "usage": usageOf(cs)})
}

// word is the i-th streamed piece: words after the first carry their space,
// so the pieces join to Text().
func word(c Completion, i int) string {
	if i == 0 {
		return c.Words[0]
	}
	return " " + c.Words[i]
}

type completionRequest struct {
	Model         string          `json:"model"`
	Prompt        json.RawMessage `json:"prompt"`
	MaxTokens     *int            `json:"max_tokens"`
	N             *int            `json:"n"`
	Stream        bool            `json:"stream"`
	SleepMs       int             `json:"sleep_ms"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// oneString reads a field that OpenAI allows as a string or an array of
// strings; the reference model takes one string (an array is joined).
func oneString(raw json.RawMessage, param string) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var ss []string
	if err := json.Unmarshal(raw, &ss); err != nil || len(ss) == 0 {
		return "", badParam(param, "%q must be a string or a non-empty array of strings", param)
	}
	return strings.Join(ss, "\n"), nil
}

func (o *openAIServer) completion(w http.ResponseWriter, r *http.Request) {
	var req completionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeOpenAIError(w, err)
		return
	}
	if err := o.modelCheck(req.Model); err != nil {
		writeOpenAIError(w, err)
		return
	}
	prompt, err := oneString(req.Prompt, "prompt")
	if err != nil {
		writeOpenAIError(w, err)
		return
	}
	mt, err := maxTokens(req.MaxTokens, nil)
	if err != nil {
		writeOpenAIError(w, err)
		return
	}
	n, err := choices(req.N)
	if err != nil {
		writeOpenAIError(w, err)
		return
	}
	sleep(r.Context(), req.SleepMs)
	cs := samples(prompt, mt, n)
	id, created := responseID("cmpl-", prompt), time.Now().Unix()
	choice := func(k int, text string, finish any) map[string]any {
		return map[string]any{"index": k, "text": text, "finish_reason": finish, "logprobs": nil}
	}
	object := func(choices ...any) map[string]any {
		return map[string]any{"id": id, "object": "text_completion", "created": created, "model": o.model, "choices": choices}
	}
	if !req.Stream {
		out := make([]any, n)
		for k, c := range cs {
			out[k] = choice(k, c.Text(), c.FinishReason)
		}
		resp := object(out...)
		resp["usage"] = usageOf(cs)
		writeJSON(w, http.StatusOK, resp)
		return
	}
	o.stream(w, r, cs, req.StreamOptions != nil && req.StreamOptions.IncludeUsage,
		func(k, i int) any {
			if i < 0 {
				return nil
			}
			return object(choice(k, word(cs[k], i), nil))
		},
		func(k int) any { return object(choice(k, "", cs[k].FinishReason)) },
		map[string]any{"id": id, "object": "text_completion", "created": created, "model": o.model,
			"choices": []any{}, "usage": usageOf(cs)})
}

// stream writes the answers as server-sent events, one event per word,
// flushed as written, one answer after the other: for answer k, event(k, -1)
// (when not nil), event(k, i) for each word, final(k); then the usage event
// when asked for, then [DONE]. Config.Pace runs before each word's event.
func (o *openAIServer) stream(w http.ResponseWriter, r *http.Request, cs []Completion, withUsage bool, event func(k, i int) any, final func(k int) any, usageEvent any) {
	fl, _ := w.(http.Flusher)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(v any) bool {
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		if fl != nil {
			fl.Flush()
		}
		return true
	}
	for k, c := range cs {
		if e := event(k, -1); e != nil && !send(e) {
			return
		}
		for i := range c.Words {
			if err := o.cfg.pace(r.Context(), i); err != nil {
				return
			}
			if !send(event(k, i)) {
				return
			}
		}
		if !send(final(k)) {
			return
		}
	}
	if withUsage && !send(usageEvent) {
		return
	}
	_, _ = io.WriteString(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}

type embeddingRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	Dimensions     int             `json:"dimensions"`
	EncodingFormat string          `json:"encoding_format"`
}

func (o *openAIServer) embeddings(w http.ResponseWriter, r *http.Request) {
	var req embeddingRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeOpenAIError(w, err)
		return
	}
	if err := o.modelCheck(req.Model); err != nil {
		writeOpenAIError(w, err)
		return
	}
	var inputs []string
	var one string
	if json.Unmarshal(req.Input, &one) == nil {
		inputs = []string{one}
	} else if err := json.Unmarshal(req.Input, &inputs); err != nil || len(inputs) == 0 {
		writeOpenAIError(w, badParam("input", "\"input\" must be a string or a non-empty array of strings"))
		return
	}
	if req.Dimensions < 0 || req.Dimensions > EmbeddingDimensions {
		writeOpenAIError(w, badParam("dimensions", "dimensions must be between 1 and %d", EmbeddingDimensions))
		return
	}
	if req.EncodingFormat != "" && req.EncodingFormat != "float" && req.EncodingFormat != "base64" {
		writeOpenAIError(w, badParam("encoding_format", "encoding_format must be float or base64, got %q", req.EncodingFormat))
		return
	}
	data := make([]any, len(inputs))
	tokens := 0
	for i, in := range inputs {
		v := Embed(in, req.Dimensions)
		var emb any = v
		if req.EncodingFormat == "base64" {
			emb = base64.StdEncoding.EncodeToString(float32Bytes(v))
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": emb}
		tokens += len(strings.Fields(in))
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "model": o.model, "data": data,
		"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens}})
}

func (o *openAIServer) modelObject() map[string]any {
	return map[string]any{"id": o.model, "object": "model", "created": 0, "owned_by": "gpu-orchestration"}
}

func (o *openAIServer) models(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{o.modelObject()}})
}

func (o *openAIServer) getModel(w http.ResponseWriter, r *http.Request) {
	if err := o.modelCheck(r.PathValue("id")); err != nil {
		writeOpenAIError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, o.modelObject())
}

func (c Config) pace(ctx context.Context, i int) error {
	if c.Pace != nil {
		return c.Pace(ctx, i)
	}
	if c.TokenDelay <= 0 || i == 0 {
		return ctx.Err()
	}
	t := time.NewTimer(c.TokenDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// sleep stands in for a heavier model (sleep_ms), capped at MaxSleep.
func sleep(ctx context.Context, ms int) {
	if ms <= 0 {
		return
	}
	t := time.NewTimer(min(time.Duration(ms)*time.Millisecond, MaxSleep))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
