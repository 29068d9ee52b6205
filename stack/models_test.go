package stack_test

import (
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/plan"
)

// The single-model keys keep working for one model: a models list of that
// one model, named as modelVersion names it, deploys the same stack.
func TestSingleModelKeysAndAListOfOneDeployTheSameStack(t *testing.T) {
	keys := plan.Build(deploy(t, "dev"))
	listed, err := deployWith(t, "dev", map[string]string{"models": `[{"name":"reference-1","gpuType":"T4"}]`})
	if err != nil {
		t.Fatal(err)
	}
	steps := plan.Steps(keys, plan.Build(listed))
	for _, s := range steps {
		if s.Op != plan.OpSame {
			t.Errorf("%s %s %s %v", s.Op, s.Type, s.Name, s.Paths)
		}
	}
	if len(steps) != len(keys.Resources) {
		t.Errorf("%d steps for %d resources", len(steps), len(keys.Resources))
	}
}

// A model key of the longest length names its app, identity and alerts
// within Azure's rules for any stack name, beside a default model.
func TestLongestModelKeysFitEveryName(t *testing.T) {
	models := `[{"name":"reference-1","gpuType":"T4"},{"name":"meta-llama/Llama-3.1-8B-Instruct","gpuType":"A100","key":"llama-3-1-8b"}]`
	for _, sn := range []string{"dev", "production-eu", strings.Repeat("x", 40), "my_team.gpu-stack"} {
		all := names(t, deployFileAs(t, "dev", sn, map[string]string{"models": models}))
		found := false
		for k, v := range all {
			if strings.Contains(k, "gpuorch-model-llama-3-1-8b-app") {
				found = len(v) <= 32
			}
		}
		if !found {
			t.Errorf("stack %q: no app of the second model within 32 characters", sn)
		}
	}
}

// A bad models list stops the run before any resource, with an error that
// names the key and the model.
func TestFleetConfigErrorNamesTheModel(t *testing.T) {
	res, err := deployWith(t, "prod", map[string]string{"models": `[{"name":"chat-1","gpuType":"A100"},{"name":"small-1","gpuType":"V100"}]`})
	if err == nil {
		t.Fatalf("run accepted gpuType V100 and registered %d resources", len(res.Resources))
	}
	if msg := err.Error(); !strings.Contains(msg, `gpu-orchestration:models[1].gpuType: "V100" is not allowed for model "small-1"`) || !strings.Contains(msg, "T4, A100") {
		t.Errorf("error %q does not name models[1].gpuType, the model and the GPU types", msg)
	}
}
