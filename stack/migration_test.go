package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/plan"
)

// singleModelPlan is the plan the single-model release (commit a05215f,
// before models) made of a stack file: testdata/single-model/README.md.
func singleModelPlan(t *testing.T, name string) plan.Document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "single-model", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc plan.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// A stack deployed by the single-model release moves to this one without a
// replacement or a deletion: the default model's app, identity, grant and
// alerts move under its ModelDeployment by aliases of their old URNs, its
// pool and secrets keep their names. dev keeps its single-model keys; prod
// moves to its models list of two, which adds the second model, its T4
// pool and the T4 profile of the environment.
func TestExistingStacksMoveToModelsWithoutReplacement(t *testing.T) {
	wantCreated := map[string][]string{
		"dev": {"gpu-orchestration:model:ModelDeployment gpuorch-model-reference-1"},
		"prod": {
			"azure-native:app/v20250101:ContainerApp gpuorch-model-small-1-app",
			"azure-native:authorization:RoleAssignment ra-model-small-1-acrpull-registry",
			"azure-native:batch:Pool gpuorch-batch-pool-t4",
			"azure-native:insights:MetricAlert gpuorch-model-small-1-gpu-high",
			"azure-native:insights:MetricAlert gpuorch-model-small-1-replicas-at-max",
			"azure-native:keyvault:Secret gpuorch-vault-gpu-memory-limit--small-1",
			"azure-native:keyvault:Secret gpuorch-vault-max-aca-replicas--small-1",
			"azure-native:keyvault:Secret gpuorch-vault-max-batch-nodes--small-1",
			"azure-native:keyvault:Secret gpuorch-vault-model-version--small-1",
			"azure-native:managedidentity:UserAssignedIdentity gpuorch-model-small-1-id",
			"gpu-orchestration:model:ModelDeployment gpuorch-model-chat-1",
			"gpu-orchestration:model:ModelDeployment gpuorch-model-small-1",
		},
	}
	wantUpdated := map[string][]string{
		// MODELS in place of the single-model variables.
		"dev": {"gpuorch-alerts-inference-gpu-high", "gpuorch-alerts-inference-replicas-at-max", "gpuorch-dashboard-workbook", "gpuorch-router-app"},
		// And the T4 profile beside the A100 one.
		"prod": {"gpuorch-alerts-inference-gpu-high", "gpuorch-alerts-inference-replicas-at-max", "gpuorch-dashboard-workbook", "gpuorch-inference-cae", "gpuorch-router-app"},
	}
	moved := []string{"gpuorch-id-inference", "ra-inference-acrpull-registry", "gpuorch-inference-app",
		"gpuorch-alerts-inference-replicas-at-max", "gpuorch-alerts-inference-gpu-high"}
	for _, name := range stacks {
		t.Run(name, func(t *testing.T) {
			before, after := singleModelPlan(t, name), plan.Build(deploy(t, name))
			steps := plan.Steps(before, after)
			for _, op := range []string{plan.OpReplace, plan.OpRefused, plan.OpDelete} {
				for _, s := range plan.Of(steps, op) {
					t.Errorf("%s %s %s: %s %v", op, s.Type, s.Name, s.Why, s.Paths)
				}
			}
			var created, updated []string
			for _, s := range plan.Of(steps, plan.OpCreate) {
				created = append(created, s.Type+" "+s.Name)
			}
			for _, s := range plan.Of(steps, plan.OpUpdate) {
				updated = append(updated, s.Name)
			}
			sort.Strings(created)
			sort.Strings(updated)
			if !slices.Equal(created, wantCreated[name]) {
				t.Errorf("created:\n  %s\nwant:\n  %s", strings.Join(created, "\n  "), strings.Join(wantCreated[name], "\n  "))
			}
			if !slices.Equal(updated, wantUpdated[name]) {
				t.Errorf("updated %v, want %v", updated, wantUpdated[name])
			}
			// The default model's resources are the old ones under a new
			// parent: a new URN that aliases the old.
			old := map[string]string{}
			for _, r := range before.Resources {
				old[r.Name] = r.URN
			}
			for _, r := range after.Resources {
				if !slices.Contains(moved, r.Name) {
					continue
				}
				if r.URN == old[r.Name] || !slices.Contains(r.Aliases, old[r.Name]) || !strings.Contains(r.Parent, "ModelDeployment") {
					t.Errorf("%s: URN %s, aliases %v; want it under the ModelDeployment, aliasing %s", r.Name, r.URN, r.Aliases, old[r.Name])
				}
			}
		})
	}
}
