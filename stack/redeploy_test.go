package stack_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/plan"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// The second `pulumi up`: both images rebuilt (new digests) and a routing
// setting changed. Only what runs the images and the changed setting update;
// nothing is replaced or deleted, and no update is one Azure refuses (a Batch
// pool's deploymentConfiguration).
func TestSecondDeploymentAfterImageRebuildUpdatesOnly(t *testing.T) {
	for _, name := range stacks {
		t.Run(name, func(t *testing.T) {
			cfg, err := mockstack.LoadStackConfig("..", name)
			if err != nil {
				t.Fatal(err)
			}
			first, err := mockstack.RunConfig(cfg, stack.Program, mockstack.WithImageBuild("build-1"))
			if err != nil {
				t.Fatal(err)
			}
			second, err := mockstack.RunConfig(cfg.With(map[string]string{"realtimeThresholdMs": "1750"}), stack.Program, mockstack.WithImageBuild("build-2"))
			if err != nil {
				t.Fatal(err)
			}
			steps := plan.StepsBetween(first, second)
			for _, op := range []string{plan.OpReplace, plan.OpRefused, plan.OpDelete, plan.OpCreate} {
				for _, s := range plan.Of(steps, op) {
					t.Errorf("%s %s %s: %s %v", op, s.Type, s.Name, s.Why, s.Paths)
				}
			}
			var updated []string
			for _, s := range plan.Of(steps, plan.OpUpdate) {
				updated = append(updated, s.Name+" "+strings.Join(s.Paths, ","))
			}
			sort.Strings(updated)
			// The new digest rolls a revision of each model's app; the router
			// also hands the images to the Batch tasks it submits (MODELS).
			want := map[string][]string{
				"dev": {
					"gpuorch-inference-app template.containers[model].image",
					"gpuorch-router-app template.containers[router].env[MODELS].value,template.containers[router].image",
					"gpuorch-vault-realtime-threshold-ms properties.value",
				},
				"prod": {
					"gpuorch-inference-app template.containers[model].image",
					"gpuorch-model-small-1-app template.containers[model].image",
					"gpuorch-router-app template.containers[router].env[MODELS].value,template.containers[router].image",
					"gpuorch-vault-realtime-threshold-ms properties.value",
				},
			}[name]
			if strings.Join(updated, "\n") != strings.Join(want, "\n") {
				t.Errorf("updated:\n  %s\nwant:\n  %s", strings.Join(updated, "\n  "), strings.Join(want, "\n  "))
			}
			c := plan.Count(steps)
			t.Logf("%s: %d same, %d update (%v)", name, c[plan.OpSame], c[plan.OpUpdate], updated)
		})
	}
}
