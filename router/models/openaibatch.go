package models

import (
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The Batch API runs its lines as they were written, so only on a model
// whose batch command reads OpenAI batch lines (api openai).

// OpenAIBatchModels are the ids of the models whose batch command reads
// OpenAI batch lines, in MODELS order.
func (c *Catalog) OpenAIBatchModels() []string {
	var out []string
	for _, d := range c.list {
		if d.API == router.FormatOpenAI {
			out = append(out, d.ID())
		}
	}
	return out
}

// OpenAIBatchModel returns the key and id of the model an OpenAI batch
// line's body.model names (its id or an alias), or why none runs it:
// model_not_found, or bad_request for a model whose batch command reads
// another format.
func (c *Catalog) OpenAIBatchModel(id string) (key, name string, err error) {
	d, err := c.Resolve(id)
	if err != nil {
		return "", "", err
	}
	if d.API != router.FormatOpenAI {
		return "", "", router.Errorf(router.EBadRequest, "the model %q runs batches of %s lines, not OpenAI's; the Batch API runs %s",
			router.Excerpt(id), d.API, strings.Join(c.OpenAIBatchModels(), ", "))
	}
	return d.Key, d.ID(), nil
}
