package plan

import "testing"

func TestStepsClassifyUpdatesReplacementsAndRefusals(t *testing.T) {
	res := func(typ, name string, in map[string]any) Resource {
		return Resource{URN: "urn:" + name, Type: typ, Name: name, Custom: true, Inputs: in}
	}
	before := Document{Resources: []Resource{
		res("azure-native:app/v20250101:ContainerApp", "app", map[string]any{"containerAppName": "ca-x", "template": map[string]any{"image": "a"}}),
		res("azure-native:batch:Pool", "pool", map[string]any{"poolName": "gpu", "scaleSettings": "f1", "deploymentConfiguration": map[string]any{"x": "1"}}),
		res("azure-native:authorization:RoleAssignment", "ra", map[string]any{"roleAssignmentName": "g1", "scope": "s"}),
		res("azure-native:keyvault:Vault", "kv", map[string]any{"vaultName": "kv-a"}),
		res("azure-native:storage:Queue", "gone", map[string]any{}),
	}}
	after := Document{Resources: []Resource{
		res("azure-native:app/v20250101:ContainerApp", "app", map[string]any{"containerAppName": "ca-x", "template": map[string]any{"image": "b"}}),
		res("azure-native:batch:Pool", "pool", map[string]any{"poolName": "gpu", "scaleSettings": "f2", "deploymentConfiguration": map[string]any{"x": "2"}}),
		res("azure-native:authorization:RoleAssignment", "ra", map[string]any{"roleAssignmentName": "g2", "scope": "s"}),
		res("azure-native:keyvault:Vault", "kv", map[string]any{"vaultName": "kv-b"}),
		res("azure-native:storage:Queue", "new", map[string]any{}),
	}}
	want := map[string]string{"app": OpUpdate, "pool": OpRefused, "ra": OpReplace, "kv": OpReplace, "new": OpCreate, "gone": OpDelete}
	for _, s := range Steps(before, after) {
		if want[s.Name] != s.Op {
			t.Errorf("%s: %s (%s), want %s", s.Name, s.Op, s.Why, want[s.Name])
		}
		delete(want, s.Name)
	}
	if len(want) != 0 {
		t.Errorf("no step for %v", want)
	}
	// A pool change the API accepts (its formula) is an update.
	before.Resources[1].Inputs["deploymentConfiguration"] = map[string]any{"x": "2"}
	if s := Steps(before, after)[1]; s.Op != OpUpdate {
		t.Errorf("formula change: %s, want update", s.Op)
	}
}
