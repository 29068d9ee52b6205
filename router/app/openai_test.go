package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/gpu-orchestration/gpu-orchestration/refmodel"
	"github.com/gpu-orchestration/gpu-orchestration/router/internal/azuritetest"
)

// The OpenAI front door, driven by OpenAI's official Go SDK as an
// application would drive it: base URL the router's /v1, key the router's.

func openAIClient(base string) openai.Client {
	return openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey(apiKey), option.WithMaxRetries(0))
}

// gate holds a streamed answer after its first word until the client has
// seen that word: a proxy that buffered the stream would never deliver it,
// and the test would time out instead of passing.
type gate struct {
	once sync.Once
	seen chan struct{}
}

func newGate() *gate { return &gate{seen: make(chan struct{})} }

func (g *gate) open() { g.once.Do(func() { close(g.seen) }) }

func (g *gate) pace(ctx context.Context, i int) error {
	if i != 1 {
		return nil
	}
	select {
	case <-g.seen:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func openAIModelServer(t *testing.T, g *gate) string {
	cfg := refmodel.Config{InferPath: "/infer"}
	if g != nil {
		cfg.Pace = g.pace
	}
	srv := httptest.NewServer(refmodel.NewHandler(cfg))
	t.Cleanup(srv.Close)
	return srv.URL + "/infer"
}

func TestOpenAISDKRealtime(t *testing.T) {
	t.Parallel() // each has its own Azurite and router; they mostly wait
	az := azuritetest.Start(t)
	g := newGate()
	r := startRouter(t, localEnv(az.ConnectionString(), openAIModelServer(t, g)))
	client := openAIClient(r.url)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	models, err := client.Models.List(ctx)
	if err != nil || len(models.Data) != 1 || models.Data[0].ID != refmodel.Version {
		t.Fatalf("models: %+v, %v; want the one deployed model %q", models, err, refmodel.Version)
	}

	params := openai.ChatCompletionNewParams{
		Model:    refmodel.Version,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Is the spot pool cheaper?")},
	}
	g.open() // the unary call must not wait
	chat, err := client.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatalf("chat completion: %v", err)
	}
	want := refmodel.Generate("user: Is the spot pool cheaper?\n", refmodel.DefaultMaxTokens)
	if len(chat.Choices) != 1 || chat.Choices[0].Message.Content != want.Text() || chat.Usage.CompletionTokens != int64(len(want.Words)) {
		t.Fatalf("chat completion %+v; want %q", chat.Choices, want.Text())
	}

	// Streaming: the first word must reach the client while the model is
	// held before the second.
	g2 := newGate()
	r2 := startRouter(t, localEnv(az.ConnectionString(), openAIModelServer(t, g2)))
	client2 := openAIClient(r2.url)
	stream := client2.Chat.Completions.NewStreaming(ctx, params)
	var got strings.Builder
	chunks := 0
	for stream.Next() {
		c := stream.Current()
		if len(c.Choices) == 0 {
			continue
		}
		if d := c.Choices[0].Delta.Content; d != "" {
			chunks++
			got.WriteString(d)
			g2.open()
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v (a proxy that buffers the stream times out here)", err)
	}
	if got.String() != want.Text() || chunks != len(want.Words) {
		t.Fatalf("streamed %d chunks %q; want %d chunks %q", chunks, got.String(), len(want.Words), want.Text())
	}

	comp, err := client.Completions.New(ctx, openai.CompletionNewParams{
		Model: openai.CompletionNewParamsModel(refmodel.Version), Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("route this")},
		MaxTokens: openai.Int(4),
	})
	if err != nil || len(comp.Choices) != 1 || comp.Choices[0].Text != refmodel.Generate("route this", 4).Text() {
		t.Fatalf("completion: %+v, %v", comp, err)
	}
	emb, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
		Model: refmodel.Version, Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"warm replica", "cold start"}},
	})
	if err != nil || len(emb.Data) != 2 || len(emb.Data[1].Embedding) != refmodel.EmbeddingDimensions ||
		float32(emb.Data[1].Embedding[0]) != refmodel.Embed("cold start", 0)[0] {
		t.Fatalf("embeddings: %+v, %v", emb, err)
	}

	// Errors arrive in OpenAI's shape, with the router's stable codes.
	wrongKey := openai.NewClient(option.WithBaseURL(r.url+"/v1/"), option.WithAPIKey("wrong"), option.WithMaxRetries(0))
	_, err = wrongKey.Models.List(ctx)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code != "unauthorized" || apiErr.Type != "authentication_error" {
		t.Fatalf("wrong key: %v; want 401 authentication_error unauthorized", err)
	}
	_, err = client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "other-model", Messages: params.Messages})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || apiErr.Code != "model_not_found" {
		t.Fatalf("unknown model: %v; want the model server's 404 model_not_found passed through", err)
	}
}
