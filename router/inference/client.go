// Package inference calls the inference app's realtime endpoint for batch
// jobs the dispatcher expedites: jobs whose deadline the pool would miss
// (router.Decision.Expedite).
package inference

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// maxAnswerBytes bounds an answer read into a job record.
const maxAnswerBytes = 16 << 20

// Client posts a job's body to URL, as the realtime proxy posts a request.
type Client struct {
	URL  string
	HTTP *http.Client
}

var _ router.Inferer = (*Client)(nil)

// Infer implements router.Inferer.
func (c *Client) Infer(ctx context.Context, body []byte) (router.ResultLine, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return router.ResultLine{}, fmt.Errorf("inference request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return router.ResultLine{}, router.WrapError(router.EUnavailable, "the inference app did not answer", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	switch {
	case err != nil:
		return router.ResultLine{}, router.WrapError(router.EUnavailable, "the inference app's answer broke off", err)
	case len(answer) > maxAnswerBytes:
		return router.ResultLine{}, router.Errorf(router.EUnavailable, "the inference app's answer exceeds %d bytes", maxAnswerBytes)
	}
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return router.ResultLine{Status: "ok", Body: asJSON(answer)}, nil
	case code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		// The input itself was refused: the pool's model would refuse it too.
		return router.ResultLine{Status: "http_" + strconv.Itoa(code), Body: asJSON(answer)}, nil
	default:
		return router.ResultLine{}, router.Errorf(router.EUnavailable, "the inference app answered %s", resp.Status)
	}
}

// asJSON keeps a JSON answer as it is and quotes anything else, so that the
// job record stays valid JSON.
func asJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	if json.Valid(b) {
		return b
	}
	q, _ := json.Marshal(string(b))
	return q
}
