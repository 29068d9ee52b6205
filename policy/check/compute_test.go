package check_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// The rules read the program's real resources, not only the rule tests'
// fixtures: a mistake made in a copy of the mocked prod stack's own
// inputs is reported against that resource.
func TestRulesReadTheStacksOwnResources(t *testing.T) {
	cfg, err := mockstack.LoadStackConfig("../..", "prod")
	if err != nil {
		t.Fatal(err)
	}
	settings, err := check.SettingsFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		typ, path string
		value     resource.PropertyValue
		policy    string
		want      string
	}{
		{"azure-native:app/v20250101:ContainerApp", "configuration.ingress.external", resource.NewProperty(true),
			"gpu-app-internal-ingress", "set configuration.ingress.external to false"},
		{"azure-native:app/v20250101:ContainerApp", "template.scale.minReplicas", resource.NewProperty(2.0),
			"gpu-app-scales-to-zero", "keeps 2 GPU replica(s) warm"},
		{"azure-native:batch:Pool", "vmSize", resource.NewProperty("Standard_NC24s_v3"),
			"batch-no-retired-vm-size", "Standard_NC24s_v3 is a retired size"},
		{"azure-native:batch:Pool", "scaleSettings.autoScale.formula",
			resource.NewProperty("$TargetDedicatedNodes = min($PendingTasks.GetSample(1), 10);"),
			"batch-spot-when-asked", "never sets $TargetLowPriorityNodes"},
		// Prod's account links no auto-storage (network isolation): its
		// shared-key rule reads the authentication modes.
		{"azure-native:batch:BatchAccount", "allowedAuthenticationModes",
			resource.NewProperty([]resource.PropertyValue{resource.NewProperty("AAD"), resource.NewProperty("SharedKey")}),
			"batch-no-shared-key", `remove "SharedKey" from allowedAuthenticationModes`},
		{"azure-native:containerregistry:Registry", "adminUserEnabled", resource.NewProperty(true),
			"acr-admin-user-off-prod", "set adminUserEnabled to false"},
		{"azure-native:authorization:RoleAssignment", "roleDefinitionId",
			resource.NewProperty("/subscriptions/0/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
			"no-privileged-role-assignment", "grants Owner"},
	}
	for _, c := range cases {
		t.Run(c.policy, func(t *testing.T) {
			res, err := mockstack.RunConfig(cfg, stack.Program)
			if err != nil {
				t.Fatal(err)
			}
			target := -1
			for i, r := range res.Resources {
				if r.Type == c.typ && (c.typ != "azure-native:app/v20250101:ContainerApp" || onGPUProfile(r)) {
					target = i
					break
				}
			}
			if target < 0 {
				t.Skipf("the stack declares no %s yet", c.typ)
			}
			r := &res.Resources[target]
			r.Inputs = r.Inputs.Copy()
			setPath(t, r.Inputs, c.path, c.value)
			vs, err := check.Run(res, settings)
			if err != nil {
				t.Fatal(err)
			}
			urn := r.URN(res.Project, res.Stack)
			for _, v := range vs {
				if v.Policy == c.policy && v.URN == urn && strings.Contains(v.Message, c.want) {
					return
				}
			}
			t.Errorf("%s on %s not reported; got %v", c.policy, urn, vs)
		})
	}
}

// setPath replaces the value at a dotted path, copying the maps on the way
// so the recorded run is not changed behind the test's back.
func setPath(t *testing.T, m resource.PropertyMap, path string, v resource.PropertyValue) {
	t.Helper()
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next := mockstack.Unwrap(m[resource.PropertyKey(k)])
		if !next.IsObject() {
			t.Fatalf("path %s: %s is not an object", path, k)
		}
		copied := next.ObjectValue().Copy()
		m[resource.PropertyKey(k)] = resource.NewProperty(copied)
		m = copied
	}
	m[resource.PropertyKey(keys[len(keys)-1])] = v
}

// onGPUProfile picks the inference app: pinned to a profile other than the
// environment's default Consumption one.
func onGPUProfile(r mockstack.Resource) bool {
	p := r.String("workloadProfileName")
	return p != "" && p != "Consumption"
}
