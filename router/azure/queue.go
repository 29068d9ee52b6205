package azure

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue/queueerror"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// queueMessageLimit is the Storage queue message limit (64 KiB); bodies are
// base64-encoded so that any bytes survive the XML protocol, which leaves
// three quarters of it for the body.
const queueMessageLimit = 64 << 10

// Queue is a router.Queue on an Azure Storage queue.
type Queue struct {
	c *azqueue.QueueClient
}

var _ router.Queue = (*Queue)(nil)

// Enqueue implements router.Queue. Messages never expire: an accepted job
// waits for as long as it takes.
func (q *Queue) Enqueue(ctx context.Context, body []byte) error {
	_, err := q.c.EnqueueMessage(ctx, base64.StdEncoding.EncodeToString(body),
		&azqueue.EnqueueMessageOptions{TimeToLive: to.Ptr(int32(-1))})
	return asUnavailable("enqueue", err)
}

// EnqueueHidden implements router.Queue (Put Message's visibilitytimeout,
// at most 7 days: https://learn.microsoft.com/rest/api/storageservices/put-message).
func (q *Queue) EnqueueHidden(ctx context.Context, body []byte, hidden time.Duration) (router.Message, error) {
	text := base64.StdEncoding.EncodeToString(body)
	resp, err := q.c.EnqueueMessage(ctx, text, &azqueue.EnqueueMessageOptions{
		TimeToLive: to.Ptr(int32(-1)), VisibilityTimeout: to.Ptr(seconds(min(hidden, router.MaxHidden))),
	})
	if err != nil {
		return router.Message{}, asUnavailable("enqueue", err)
	}
	if len(resp.Messages) == 0 || resp.Messages[0] == nil {
		return router.Message{}, router.Errorf(router.EUnavailable, "enqueue: the queue returned no message")
	}
	m := resp.Messages[0]
	return router.Message{ID: deref(m.MessageID), PopReceipt: deref(m.PopReceipt), Body: body}, nil
}

// Receive implements router.Queue. At most 32 messages per call (the
// service's limit).
func (q *Queue) Receive(ctx context.Context, max int, vis time.Duration) ([]router.Message, error) {
	max = min(max, 32)
	resp, err := q.c.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{
		NumberOfMessages: to.Ptr(int32(max)), VisibilityTimeout: to.Ptr(seconds(vis)),
	})
	if err != nil {
		return nil, asUnavailable("receive", err)
	}
	out := make([]router.Message, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		msg := router.Message{ID: deref(m.MessageID), PopReceipt: deref(m.PopReceipt)}
		if m.DequeueCount != nil {
			msg.DequeueCount = *m.DequeueCount
		}
		body, err := base64.StdEncoding.DecodeString(deref(m.MessageText))
		if err != nil {
			// Left as is: the dispatcher poisons what it cannot decode.
			body = []byte(deref(m.MessageText))
		}
		msg.Body = body
		out = append(out, msg)
	}
	return out, nil
}

// Extend implements router.Queue. Updating a message replaces its text, so
// the body is sent again unchanged.
func (q *Queue) Extend(ctx context.Context, m *router.Message, vis time.Duration) error {
	resp, err := q.c.UpdateMessage(ctx, m.ID, m.PopReceipt, base64.StdEncoding.EncodeToString(m.Body),
		&azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(seconds(vis))})
	if err != nil {
		if queueerror.HasCode(err, queueerror.MessageNotFound, queueerror.PopReceiptMismatch) {
			return router.WrapError(router.ENotFound, "message "+m.ID+" is no longer ours", err)
		}
		return asUnavailable("extend visibility", err)
	}
	m.PopReceipt = deref(resp.PopReceipt)
	return nil
}

// Release implements router.Queue: a visibility timeout of zero makes the
// message visible at once (Update Message accepts 0,
// https://learn.microsoft.com/rest/api/storageservices/update-message).
func (q *Queue) Release(ctx context.Context, m router.Message) error {
	_, err := q.c.UpdateMessage(ctx, m.ID, m.PopReceipt, base64.StdEncoding.EncodeToString(m.Body),
		&azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(int32(0))})
	if err != nil {
		if queueerror.HasCode(err, queueerror.MessageNotFound, queueerror.PopReceiptMismatch) {
			return router.WrapError(router.ENotFound, "message "+m.ID+" is no longer ours", err)
		}
		return asUnavailable("release message", err)
	}
	return nil
}

// Delete implements router.Queue.
func (q *Queue) Delete(ctx context.Context, m router.Message) error {
	_, err := q.c.DeleteMessage(ctx, m.ID, m.PopReceipt, nil)
	if err != nil {
		if queueerror.HasCode(err, queueerror.MessageNotFound, queueerror.PopReceiptMismatch) {
			return router.WrapError(router.ENotFound, "message "+m.ID+" is no longer ours", err)
		}
		return asUnavailable("delete message", err)
	}
	return nil
}

// Depth implements router.Queue.
func (q *Queue) Depth(ctx context.Context) (int, error) {
	resp, err := q.c.GetProperties(ctx, nil)
	if err != nil {
		return 0, asUnavailable("queue depth", err)
	}
	if resp.ApproximateMessagesCount == nil {
		return 0, nil
	}
	return int(*resp.ApproximateMessagesCount), nil
}

// MaxMessageSize implements router.Queue.
func (q *Queue) MaxMessageSize() int { return queueMessageLimit / 4 * 3 }

func (q *Queue) ensure(ctx context.Context) error {
	_, err := q.c.Create(ctx, nil)
	if err != nil && !queueerror.HasCode(err, queueerror.QueueAlreadyExists) {
		return fmt.Errorf("create queue %s: %w", q.c.URL(), err)
	}
	return nil
}

func seconds(d time.Duration) int32 { return int32(max(d/time.Second, 1)) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
