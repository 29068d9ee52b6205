package rules

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// rolloutPolicies judge the revisions of the models the router splits
// traffic between (the router's MODELS, router/config Model.Revisions).
func rolloutPolicies() []policyx.Policy {
	return []policyx.Policy{
		resourceRule{
			name: "canary-rollback-prod",
			description: "In production (tag environment or stack = prod) a model whose canary revision takes traffic " +
				"(a revision after the stable one with a weight above 0, in the router's MODELS) sets rollback thresholds, " +
				"so that a canary worse than stable is taken out of the split at once.",
			level: mandatory,
			types: []string{"app:ContainerApp"},
			check: func(t target, report func(string, ...any)) {
				if prod, known := isProd(t.Props); !known || !prod {
					return
				}
				for _, raw := range modelsEnvValues(t) {
					var models []struct {
						Name      string
						Revisions []struct {
							Name   string
							Weight int
						}
						Rollback json.RawMessage
					}
					if err := json.Unmarshal([]byte(raw), &models); err != nil {
						report("container app %q: %s is not a JSON list of models: %v", t.Name, modelsEnv, err)
						continue
					}
					for _, m := range models {
						if len(m.Revisions) < 2 || len(m.Rollback) > 0 && string(m.Rollback) != "null" {
							continue
						}
						for _, r := range m.Revisions[1:] {
							if r.Weight > 0 {
								report("model %q: canary revision %q takes %d%% of its traffic with no rollback thresholds: "+
									"set models[i].rollback (maxErrorRatio, latencyPercentile, maxLatencyRatio, minRequests, windowSeconds), "+
									"or the canary's weight to 0", m.Name, r.Name, r.Weight)
							}
						}
					}
				}
			},
		}.policy(),
	}
}

// modelsEnvValues are the values of the MODELS variable in an app's
// containers (the router's), where known: while the models' addresses are
// unknown (a new stack's preview) nothing is judged, and the deployment
// judges MODELS before it changes the router.
func modelsEnvValues(t target) []string {
	var out []string
	for _, c := range containersOf(t.Props) {
		for _, env := range getValue(c.value, "env").items() {
			name, _ := getValue(env, "name").str()
			if raw, ok := getValue(env, "value").str(); ok && name == modelsEnv {
				out = append(out, raw)
			}
		}
	}
	return out
}
