package config

import (
	"strings"
	"testing"
)

// chatCanary is chat-1 of twoModels with a canary taking 10% of its
// traffic: a new image and version, rollback thresholds.
const chatCanary = `[
 {"name":"chat-1","gpuType":"A100","image":"cr.example.io/chat@sha256:11","modelVersion":"chat-1.0",
  "revisions":[{"name":"v1","weight":90},{"name":"v2","image":"cr.example.io/chat@sha256:22","modelVersion":"chat-1.1","weight":10}],
  "rollback":{"maxErrorRatio":0.05,"latencyPercentile":95,"maxLatencyRatio":1.5,"minRequests":50,"windowSeconds":300}},
 {"name":"small-1","gpuType":"T4"}
]`

// A canary takes its own image and version; the stable revision is the
// model's, so the model's app and Key Vault model-version stay its.
func TestACanaryRevisionValidates(t *testing.T) {
	c, err := Parse("prod", fleet(map[string]string{"models": chatCanary}))
	if err != nil {
		t.Fatal(err)
	}
	chat := c.Models[0]
	if len(chat.Revisions) != 2 || len(chat.Canaries()) != 1 {
		t.Fatalf("revisions %+v, want v1 and the canary v2", chat.Revisions)
	}
	v1, v2 := chat.Revisions[0], chat.Revisions[1]
	if v1.Image != "cr.example.io/chat@sha256:11" || v1.Version != "chat-1.0" || v1.Weight != 90 {
		t.Errorf("stable %+v: want the model's image and version at 90", v1)
	}
	if v2.Image != "cr.example.io/chat@sha256:22" || v2.Version != "chat-1.1" || v2.Weight != 10 {
		t.Errorf("canary %+v: want its own image and version at 10", v2)
	}
	if chat.App.Image != v1.Image || chat.Version != v1.Version {
		t.Errorf("the model runs %q as %q; want the stable revision's", chat.App.Image, chat.Version)
	}
	if rb := chat.Rollback; rb == nil || rb.MaxErrorRatio != 0.05 || rb.LatencyPercentile != 95 || rb.MaxLatencyRatio != 1.5 ||
		rb.MinRequests != 50 || rb.WindowSeconds != 300 {
		t.Errorf("rollback %+v", chat.Rollback)
	}
	if chat.RolloutSecret() != "rollout--chat-1" || c.Models[1].RolloutSecret() != "" {
		t.Errorf("rollout secrets %q and %q; want rollout--chat-1 and none for a model without revisions",
			chat.RolloutSecret(), c.Models[1].RolloutSecret())
	}
}

// A stable revision that names its own image makes it the model's; a
// canary that names no image or version runs the model's.
func TestRevisionsTakeTheModelsImageAndVersion(t *testing.T) {
	c, err := Parse("prod", fleet(map[string]string{"models": `[{"name":"chat-1","gpuType":"A100",
		"revisions":[{"name":"a","image":"cr.example.io/chat@sha256:aa","weight":50},{"name":"b","modelVersion":"chat-1-b","weight":50}]}]`}))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Models[0]
	a, b := m.Revisions[0], m.Revisions[1]
	if m.App.Image != "cr.example.io/chat@sha256:aa" || m.Version != "chat-1" {
		t.Errorf("model image %q version %q; want stable a's image and the model's name as version", m.App.Image, m.Version)
	}
	if a.Version != "chat-1" || b.Image != "cr.example.io/chat@sha256:aa" || b.Version != "chat-1-b" {
		t.Errorf("a %+v, b %+v: a takes the model's version, b the model's image (stable's) and its own version", a, b)
	}
}

func TestRevisionErrorsNameTheFieldAndTheModel(t *testing.T) {
	canary := func(revisions, rest string) string {
		return `[{"name":"chat-1","gpuType":"A100","revisions":` + revisions + rest + `},{"name":"small-1","gpuType":"T4"}]`
	}
	two := `[{"name":"v1","weight":90},{"name":"v2","weight":10}]`
	cases := []struct {
		name, models, stack string
		key, mention        string
	}{
		{"weight above 100", canary(`[{"name":"v1","weight":-20},{"name":"v2","weight":120}]`, ""), "prod",
			`models[0].revisions[1].weight: 120 is not allowed for model "chat-1" (models[0])`, "0 to 100"},
		{"weights not summing to 100", canary(`[{"name":"v1","weight":90},{"name":"v2","weight":20}]`, ""), "prod",
			`models[0].revisions: "weights summing to 110"`, "sum to 100"},
		{"no weight", canary(`[{"name":"v1","weight":100},{"name":"v2"}]`, ""), "prod", "models[0].revisions[1].weight: missing for model \"chat-1\"", "has a weight"},
		{"no name", canary(`[{"weight":100}]`, ""), "prod", "models[0].revisions[0].name: missing", "has a name"},
		{"weight not a number", canary(`[{"name":"v1","weight":"most"}]`, ""), "prod", "models[0].revisions[0].weight", "whole number"},
		{"unknown field", canary(`[{"name":"v1","weight":100,"replicas":2}]`, ""), "prod", "models[0].revisions[0].replicas", "allowed: name, image, modelVersion, weight"},
		{"two revisions of one name", canary(`[{"name":"v1","weight":50},{"name":"v1","weight":50}]`, ""), "prod", "models[0].revisions[1].name", "its own"},
		{"a name no app can end with", canary(`[{"name":"v1","weight":50},{"name":"V2_","weight":50}]`, ""), "prod", "models[0].revisions[1].name", "lower-case letters"},
		{"three canaries", canary(`[{"name":"a","weight":25},{"name":"b","weight":25},{"name":"c","weight":25},{"name":"d","weight":25}]`, ""), "prod",
			"models[0].revisions", "at most 3"},
		{"a canary's app name too long for the stack", canary(`[{"name":"v1","weight":90},{"name":"canary-long","weight":10}]`, ""), "production-eu",
			"models[0].revisions[1].name", "ca-gpuorch-prodc962-chat-1-canary-long, 38 characters"},
		{"a canary's app named like another model's", `[{"name":"chat","gpuType":"A100","revisions":[{"name":"v1","weight":90},{"name":"v2","weight":10}]},{"name":"chat-v2","gpuType":"T4"}]`, "prod",
			"models[0].revisions[1].name", `like the app of model "chat-v2" (models[1])`},
		{"rollback without revisions", `[{"name":"chat-1","gpuType":"A100","rollback":{"maxErrorRatio":0.1,"latencyPercentile":95,"maxLatencyRatio":2,"minRequests":20,"windowSeconds":60}}]`, "prod",
			"models[0].rollback", "lists no revisions"},
		{"rollback without a threshold", canary(two, `,"rollback":{"maxErrorRatio":0.1,"latencyPercentile":95,"maxLatencyRatio":2,"minRequests":20}`), "prod",
			"models[0].rollback.windowSeconds: missing", "every threshold"},
		{"error ratio above 1", canary(two, `,"rollback":{"maxErrorRatio":5,"latencyPercentile":95,"maxLatencyRatio":2,"minRequests":20,"windowSeconds":60}`), "prod",
			`models[0].rollback.maxErrorRatio: 5 is not allowed for model "chat-1"`, "at most 1"},
		{"latency ratio below 1", canary(two, `,"rollback":{"maxErrorRatio":0.1,"latencyPercentile":95,"maxLatencyRatio":0.5,"minRequests":20,"windowSeconds":60}`), "prod",
			"models[0].rollback.maxLatencyRatio", "1 or more"},
		{"unknown threshold", canary(two, `,"rollback":{"maxErrorRatio":0.1,"latencyPercentile":95,"maxLatencyRatio":2,"minRequests":20,"windowSeconds":60,"p99":2}`), "prod",
			"models[0].rollback.p99", "unknown field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.stack, fleet(map[string]string{"models": tc.models}))
			if err == nil {
				t.Fatalf("Parse accepted models %s", tc.models)
			}
			msg := err.Error()
			if !strings.Contains(msg, Namespace+":"+tc.key) || !strings.Contains(msg, tc.mention) {
				t.Errorf("message does not name %s and say %q:\n%s", tc.key, tc.mention, msg)
			}
		})
	}
}
