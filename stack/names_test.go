package stack_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/azurenames"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// stackNames are stack names Pulumi accepts (letters, digits, '-', '_',
// '.'), 1 to 40 characters: edge cases, then names drawn at random with a
// fixed seed.
func stackNames() []string {
	names := []string{
		"a", "Z", "7", "dev", "prod", "staging", "Dev", "PROD", "dev1", "dev-1", "dev_1", "v1.2",
		"production-eu", "production-us", "staging-westeurope", "my_team.gpu-stack",
		"---", "_", "a--b", strings.Repeat("x", 40), strings.Repeat("9", 40), "9lives",
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
	rng := rand.New(rand.NewPCG(13, 17))
	for range 30 {
		b := make([]byte, 1+rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		names = append(names, string(b))
	}
	return names
}

// ruleFor is the naming rule of an azure-native type token, any API version.
func ruleFor(typ string) (azurenames.Rule, bool) {
	parts := strings.Split(typ, ":")
	if len(parts) != 3 || parts[0] != "azure-native" {
		return azurenames.Rule{}, false
	}
	module, _, _ := strings.Cut(parts[1], "/")
	r, ok := azurenames.Rules[module+":"+parts[2]]
	return r, ok
}

// deployAs runs the dev stack's configuration under another stack name and
// config overrides.
func deployAs(t *testing.T, stackName string, set map[string]string) *mockstack.Result {
	t.Helper()
	return deployFileAs(t, "dev", stackName, set)
}

// deployFileAs runs a stack file's configuration under another stack name.
func deployFileAs(t *testing.T, file, stackName string, set map[string]string) *mockstack.Result {
	t.Helper()
	cfg, err := mockstack.LoadStackConfig("..", file)
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.With(set)
	cfg.Stack = stackName
	res, err := mockstack.RunConfig(cfg, stack.Program)
	if err != nil {
		t.Fatalf("stack %q: %v", stackName, err)
	}
	return res
}

// names returns every resource's Azure name by type and logical name, and
// fails on a name that breaks its type's rule.
func names(t *testing.T, res *mockstack.Result) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range res.Custom() {
		rule, ok := ruleFor(r.Type)
		if !ok {
			continue
		}
		key, name, known := r.AzureName()
		if !known {
			t.Errorf("stack %q: %s %s has no %s known before deployment", res.Stack, r.Type, r.Name, key)
			continue
		}
		if err := rule.Check(name); err != nil {
			t.Errorf("stack %q: %s %s: %v", res.Stack, r.Type, r.Name, err)
		}
		out[r.Type+" "+r.Name] = name
	}
	return out
}

// globalNames are the names that must be unique across Azure.
func globalNames(all map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range all {
		typ, _, _ := strings.Cut(k, " ")
		if r, _ := ruleFor(typ); r.Global {
			out[k] = v
		}
	}
	return out
}

// For any stack name Pulumi accepts, every generated name satisfies its
// Azure rule, and the names that must be unique across Azure differ
// between stacks.
func TestEveryNameSatisfiesItsRuleForAnyStackName(t *testing.T) {
	owner := map[string]string{} // global name → the stack that has it
	for i, sn := range stackNames() {
		// Alternate the stack files: prod adds the network's names.
		all := names(t, deployFileAs(t, stacks[i%len(stacks)], sn, nil))
		if len(all) == 0 {
			t.Fatalf("stack %q: no named resources", sn)
		}
		for k, v := range globalNames(all) {
			if other, dup := owner[v]; dup && other != sn {
				t.Errorf("%s is %q for both stack %q and stack %q", k, v, other, sn)
			}
			owner[v] = sn
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("%d stack names, %d globally unique names checked", len(stackNames()), len(owner))
}

// The global stack's names, too, satisfy their rules for any stack name,
// and its endpoint's name (unique across Azure) differs between stacks.
func TestGlobalStackNamesSatisfyTheirRulesForAnyStackName(t *testing.T) {
	regions := mockedRegions(t)
	cfg, err := mockstack.LoadStackConfig("..", "global")
	if err != nil {
		t.Fatal(err)
	}
	var opts []mockstack.Option
	for name, res := range regions {
		opts = append(opts, mockstack.WithStackOutputs(name, res.Outputs))
	}
	owner := map[string]string{}
	for _, sn := range stackNames() {
		if regions[sn] != nil {
			continue // a global stack cannot be one of its own regions
		}
		c := cfg.With(nil)
		c.Stack = sn
		res, err := mockstack.RunConfig(c, stack.Program, opts...)
		if err != nil {
			t.Fatalf("global stack %q: %v", sn, err)
		}
		all := names(t, res)
		if len(all) < 8 {
			t.Fatalf("global stack %q: %d named resources", sn, len(all))
		}
		for k, v := range globalNames(all) {
			if other, dup := owner[v]; dup && other != sn {
				t.Errorf("%s is %q for both stack %q and stack %q", k, v, other, sn)
			}
			owner[v] = sn
		}
	}
}

// scopedToParent are types whose names need only be unique within the
// resource they belong to (a vault's secrets, an account's queues, the
// diagnostic settings of one resource), which differs between stacks.
var scopedToParent = map[string]bool{
	"azure-native:keyvault:Secret":            true,
	"azure-native:storage:Queue":              true,
	"azure-native:storage:BlobContainer":      true,
	"azure-native:storage:ManagementPolicy":   true,
	"azure-native:batch:Pool":                 true,
	"azure-native:insights:DiagnosticSetting": true,
}

// The same stack deployed into two resource groups, or two stacks into one
// existing group, get different names wherever Azure needs them to: across
// Azure for global names, within the group for the rest.
func TestNamesDifferBetweenResourceGroupsAndBetweenStacksInOneGroup(t *testing.T) {
	a := names(t, deployAs(t, "dev", map[string]string{"resourceGroupName": "rg-team-a"}))
	b := names(t, deployAs(t, "dev", map[string]string{"resourceGroupName": "rg-team-b"}))
	for k, v := range globalNames(a) {
		if b[k] == v {
			t.Errorf("%s is %q in both resource groups", k, v)
		}
	}
	for _, pair := range [][2]string{{"production-eu", "production-us"}, {"dev-1", "dev1"}, {"Dev", "dev"}} {
		x := names(t, deployAs(t, pair[0], map[string]string{"resourceGroupName": "rg-shared"}))
		y := names(t, deployAs(t, pair[1], map[string]string{"resourceGroupName": "rg-shared"}))
		for k, v := range x {
			typ, _, _ := strings.Cut(k, " ")
			if y[k] != v || scopedToParent[typ] {
				continue
			}
			t.Errorf("stacks %q and %q in one resource group: %s is %q for both", pair[0], pair[1], k, v)
		}
	}
}

// Prod keeps its vault and storage account, with what they hold, when the
// stack is destroyed (retainData); dev does not. Both name them with the
// stack's random suffix, so that a deployment after a destroy does not ask
// for the names a retained account or a purge-protected vault still holds.
func TestProdRetainsItsDataAndLastingNamesCarryTheDeploymentSuffix(t *testing.T) {
	data := []string{"azure-native:keyvault:Vault", "azure-native:keyvault:Secret", "azure-native:storage:StorageAccount",
		"azure-native:storage:Queue", "azure-native:storage:BlobContainer", "azure-native:storage:ManagementPolicy"}
	for _, sn := range stacks {
		res := deploy(t, sn)
		suffix := one(t, res, "random:index/randomString:RandomString")
		want := mockstack.RandomString(suffix.Name, suffix.Inputs)
		for _, typ := range []string{"azure-native:keyvault:Vault", "azure-native:storage:StorageAccount"} {
			if _, name, _ := one(t, res, typ).AzureName(); !strings.HasSuffix(name, want) {
				t.Errorf("%s: %s is named %q, not with the deployment's suffix %q", sn, typ, name, want)
			}
		}
		for _, typ := range data {
			for _, r := range res.OfType(typ) {
				if r.RetainOnDelete != (sn == "prod") {
					t.Errorf("%s: %s %s retainOnDelete %v", sn, typ, r.Name, r.RetainOnDelete)
				}
			}
		}
	}
}
