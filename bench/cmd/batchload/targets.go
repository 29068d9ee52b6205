package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue/queueerror"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// jobBody is a JSON request body of about size bytes, as a client would post.
func jobBody(size int) []byte {
	const head, tail = `{"text":"`, `"}`
	n := max(size-len(head)-len(tail), 1)
	return []byte(head + strings.Repeat("x", n) + tail)
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// routerSubmit posts the body as a batch job to the router and expects 202.
// With idempotency every job carries its own Idempotency-Key, so the router
// takes its full durable path: claim, queue message, job record.
func routerSubmit(url, key string, body []byte, conns int, idempotency bool) op {
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("build request: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Route", "batch")
		if idempotency {
			req.Header.Set("Idempotency-Key", newID())
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("post job: %w", err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("post job: status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
		}
		return nil
	}
}

// rawEnqueue puts, with the azqueue SDK and its default HTTP client (the
// router's too), the message the router would enqueue for the same body: a
// work item as JSON, base64-encoded, never expiring. Only the queue put is
// measured; nothing else is stored.
func rawEnqueue(ctx context.Context, connString, queue string, body []byte) (op, error) {
	c, err := azqueue.NewQueueClientFromConnectionString(connString, queue, nil)
	if err != nil {
		return nil, fmt.Errorf("queue client: %w", err)
	}
	if _, err := c.Create(ctx, nil); err != nil && !queueerror.HasCode(err, queueerror.QueueAlreadyExists) {
		return nil, fmt.Errorf("create queue %s: %w", queue, err)
	}
	return func(ctx context.Context) error {
		msg, err := json.Marshal(router.WorkItem{JobID: newID(), Body: body, ModelVersion: "reference-1", Enqueued: time.Now().UTC()})
		if err != nil {
			return fmt.Errorf("encode work item: %w", err)
		}
		_, err = c.EnqueueMessage(ctx, base64.StdEncoding.EncodeToString(msg),
			&azqueue.EnqueueMessageOptions{TimeToLive: to.Ptr(int32(-1))})
		if err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		return nil
	}, nil
}
