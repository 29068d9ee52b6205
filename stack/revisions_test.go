package stack_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/plan"
	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// canaryImage is the canary's image, by digest as prod requires.
const canaryImage = "crgpuorchprod.azurecr.io/chat@sha256:2222222222222222222222222222222222222222222222222222222222222222"

// prodModels is Pulumi.prod.yaml's fleet with chat-1's revisions and
// rollback thresholds in place of its own fields' defaults.
func prodModels(chatRollout string) string {
	return `[{"name":"chat-1","aliases":["chat"],"gpuType":"A100","maxReplicas":8,"coldStartSeconds":120,"maxBatchNodes":10,"fallbacks":["small-1"]` +
		chatRollout + `},{"name":"small-1","aliases":["small"],"gpuType":"T4","maxReplicas":4,"coldStartSeconds":60,"maxBatchNodes":4}]`
}

// withCanary is prod with chat-1's canary v2 taking 10% of its traffic,
// and the A100 quota that lets both apps scale to 8.
var withCanary = map[string]string{
	"models": prodModels(`,"revisions":[{"name":"v1","weight":90},{"name":"v2","image":"` + canaryImage + `","modelVersion":"chat-1.1","weight":10}],` +
		`"rollback":{"maxErrorRatio":0.05,"latencyPercentile":95,"maxLatencyRatio":1.5,"minRequests":50,"windowSeconds":300}`),
	"gpuQuota": `{"A100":16,"T4":4}`,
}

func deployProdWith(t *testing.T, set map[string]string) *mockstack.Result {
	t.Helper()
	res, err := deployWith(t, "prod", set)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// countByType counts a run's resources (components included) by type.
func countByType(res *mockstack.Result) map[string]int {
	out := map[string]int{}
	for _, r := range res.Resources {
		out[r.Type]++
	}
	return out
}

// Adding a canary to a running prod stack creates the canary's app, its
// identity and grant, the rollout secret with the router's grant on it and
// the rollback alert; it updates the router (MODELS) and nothing else, and
// replaces or deletes nothing.
func TestACanaryAddsItsAppAndUpdatesOnlyTheRouter(t *testing.T) {
	before, after := deploy(t, "prod"), deployProdWith(t, withCanary)
	steps := plan.StepsBetween(before, after)
	var created, updated []string
	for _, s := range steps {
		switch s.Op {
		case plan.OpCreate:
			created = append(created, s.Type+" "+s.Name)
		case plan.OpUpdate:
			updated = append(updated, s.Name+" "+strings.Join(s.Paths, ","))
		case plan.OpSame:
		default:
			t.Errorf("%s %s %s %v", s.Op, s.Type, s.Name, s.Paths)
		}
	}
	slices.Sort(created)
	want := []string{
		"azure-native:app/v20250101:ContainerApp gpuorch-model-chat-1-v2-app",
		"azure-native:authorization:RoleAssignment ra-model-chat-1-v2-acrpull-registry",
		"azure-native:authorization:RoleAssignment ra-router-rollout-chat-1",
		"azure-native:insights:ScheduledQueryRule gpuorch-canary-rolled-back",
		"azure-native:keyvault:Secret gpuorch-vault-rollout--chat-1",
		"azure-native:managedidentity:UserAssignedIdentity gpuorch-model-chat-1-v2-id",
	}
	if !slices.Equal(created, want) {
		t.Errorf("created:\n  %s\nwant:\n  %s", strings.Join(created, "\n  "), strings.Join(want, "\n  "))
	}
	if !slices.Equal(updated, []string{"gpuorch-router-app template.containers[router].env[MODELS].value"}) {
		t.Errorf("updated %v; want the router's MODELS alone", updated)
	}

	counts, base := countByType(after), countByType(before)
	var lines []string
	for _, typ := range slices.Sorted(maps.Keys(counts)) {
		lines = append(lines, fmt.Sprintf("%-55s %3d (prod %d)", typ, counts[typ], base[typ]))
	}
	t.Logf("prod with chat-1's canary, %d resources (prod %d):\n  %s", len(after.Resources), len(before.Resources), strings.Join(lines, "\n  "))
}

// The router starts on the canary stack: its own loader takes MODELS with
// chat-1's two revisions — v1 on the model's app with the model's image,
// v2 on its own app with its image and version, 90/10 — and the thresholds,
// and the rollout secret holds no rollback ({}).
func TestRouterLoadsTheCanaryStack(t *testing.T) {
	d := routerInputs(t, deployProdWith(t, withCanary))
	c := d.load(t, "", "")
	chat, small := c.Models[0], c.Models[1]
	if len(chat.Revisions) != 2 || len(small.Revisions) != 0 {
		t.Fatalf("revisions %+v and %+v; want chat-1's v1 and v2, none for small-1", chat.Revisions, small.Revisions)
	}
	v1, v2 := chat.Revisions[0], chat.Revisions[1]
	if v1.Name != "v1" || v1.Weight != 90 || v1.InferenceURL != chat.InferenceURL || v1.Image != chat.Image || v1.Version != "" {
		t.Errorf("v1 %+v: want the model's app (%s) and image at 90, its version the model's", v1, chat.InferenceURL)
	}
	if v2.Name != "v2" || v2.Weight != 10 || v2.Image != canaryImage || v2.Version != "chat-1.1" ||
		!strings.HasPrefix(v2.InferenceURL, "https://ca-gpuorch-prod-chat-1-v2.internal.") || !strings.HasSuffix(v2.InferenceURL, "/infer") {
		t.Errorf("v2 %+v: want its own app, image and version at 10", v2)
	}
	want := routerconfig.Rollback{MaxErrorRatio: 0.05, LatencyPercentile: 95, MaxLatencyRatio: 1.5, MinRequests: 50, WindowSeconds: 300}
	if chat.Rollback == nil || *chat.Rollback != want {
		t.Errorf("rollback %+v, want %+v", chat.Rollback, want)
	}
	if got := d.secrets["rollout--chat-1"]; got != "{}" {
		t.Errorf("secret rollout--chat-1 = %q, want {} (no rollback yet)", got)
	}
	if _, ok := d.secrets["rollout--small-1"]; ok {
		t.Error("small-1, which lists no revisions, has a rollout secret")
	}
}

// The router may write the rollout secret and no other: Key Vault Secrets
// Officer on that secret, beside Secrets User on the vault. The secret is
// created with {} and never updated by Pulumi after (the router owns it).
func TestRouterMayWriteOnlyItsRolloutSecret(t *testing.T) {
	res := deployProdWith(t, withCanary)
	who := principals(res)
	var officer []string
	for _, ra := range res.OfType("azure-native:authorization:RoleAssignment") {
		roleID := ra.String("roleDefinitionId")
		if components.RoleNames[roleID[strings.LastIndex(roleID, "/")+1:]] == "Key Vault Secrets Officer" {
			officer = append(officer, who[ra.String("principalId")]+" on "+ra.String("scope"))
		}
	}
	if len(officer) != 1 || !strings.HasPrefix(officer[0], "router on ") || !strings.HasSuffix(officer[0], "keyvault:Secret/rollout--chat-1") {
		t.Errorf("Key Vault Secrets Officer assignments %v; want the router's on the secret rollout--chat-1 alone", officer)
	}
	for _, s := range res.OfType("azure-native:keyvault:Secret") {
		ignored := s.IgnoreChanges
		if s.String("secretName") == "rollout--chat-1" {
			if !slices.Contains(ignored, "properties") || !slices.Contains(ignored, "tags") {
				t.Errorf("rollout secret ignores %v; want properties and tags, so that no update writes {} over a rollback", ignored)
			}
		} else if len(ignored) > 0 {
			t.Errorf("setting %s ignores %v; settings follow the stack", s.String("secretName"), ignored)
		}
	}
}

// Promotion: v2 at 100 (v1 kept at 0, the router's way back), then v1
// dropped, v2 alone: the model's app takes v2's image and version in place;
// v2's own app, identity and grant and the rollback alert go; the rollout
// secret and the router's grant on it stay. Nothing is replaced.
func TestPromotingACanaryMovesItToTheModelsApp(t *testing.T) {
	canary := deployProdWith(t, withCanary)
	all := deployProdWith(t, map[string]string{
		"models": prodModels(`,"revisions":[{"name":"v1","weight":0},{"name":"v2","image":"` + canaryImage + `","modelVersion":"chat-1.1","weight":100}],` +
			`"rollback":{"maxErrorRatio":0.05,"latencyPercentile":95,"maxLatencyRatio":1.5,"minRequests":50,"windowSeconds":300}`),
		"gpuQuota": withCanary["gpuQuota"],
	})
	for _, s := range plan.StepsBetween(canary, all) {
		if s.Op != plan.OpSame && (s.Op != plan.OpUpdate || s.Name != "gpuorch-router-app") {
			t.Errorf("weight 100: %s %s %v; only the router's MODELS changes", s.Op, s.Name, s.Paths)
		}
	}
	promoted := deployProdWith(t, map[string]string{
		"models":   prodModels(`,"revisions":[{"name":"v2","image":"` + canaryImage + `","modelVersion":"chat-1.1","weight":100}]`),
		"gpuQuota": withCanary["gpuQuota"],
	})
	got := map[string][]string{}
	for _, s := range plan.StepsBetween(all, promoted) {
		if s.Op != plan.OpSame {
			got[s.Op] = append(got[s.Op], s.Name)
		}
	}
	for op := range got {
		slices.Sort(got[op])
	}
	want := map[string][]string{
		plan.OpDelete: {"gpuorch-canary-rolled-back", "gpuorch-model-chat-1-v2-app", "gpuorch-model-chat-1-v2-id", "ra-model-chat-1-v2-acrpull-registry"},
		// The model's app runs v2's image; Key Vault model-version is v2's.
		plan.OpUpdate: {"gpuorch-inference-app", "gpuorch-router-app", "gpuorch-vault-model-version"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("dropping v1: %v\nwant %v", got, want)
	}
}

// The policy pack stops a prod canary that takes traffic without rollback
// thresholds, and lets the same canary with thresholds through.
func TestProdCanaryNeedsRollbackThresholds(t *testing.T) {
	without := map[string]string{
		"models":   prodModels(`,"revisions":[{"name":"v1","weight":90},{"name":"v2","image":"` + canaryImage + `","weight":10}]`),
		"gpuQuota": withCanary["gpuQuota"],
	}
	for _, tc := range []struct {
		name string
		set  map[string]string
		want string
	}{
		{"without thresholds", without, `model "chat-1": canary revision "v2" takes 10% of its traffic with no rollback thresholds`},
		{"with thresholds", withCanary, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := mockstack.LoadStackConfig("..", "prod")
			if err != nil {
				t.Fatal(err)
			}
			cfg = cfg.With(tc.set)
			res, err := mockstack.RunConfig(cfg, stack.Program)
			if err != nil {
				t.Fatal(err)
			}
			settings, err := check.SettingsFor(cfg)
			if err != nil {
				t.Fatal(err)
			}
			vs, err := check.Run(res, settings)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range check.MandatoryOf(vs) {
				got = append(got, v.Policy+": "+v.Message)
			}
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("mandatory violations %v", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], "canary-rollback-prod: "+tc.want)):
				t.Errorf("mandatory violations %v; want canary-rollback-prod alone: %s", got, tc.want)
			default:
				t.Logf("%s: %v", tc.name, got)
			}
		})
	}
}

// For any stack name, a canary's resources either get names within
// Azure's rules or the configuration refuses the revision's name, naming
// it: no deployment fails on a name.
func TestCanaryNamesFitOrAreRefused(t *testing.T) {
	models := `[{"name":"reference-1","gpuType":"T4","revisions":[{"name":"v1","weight":90},{"name":"v2","weight":10}]}]`
	fits, refused := 0, 0
	for _, sn := range stackNames() {
		cfg, err := mockstack.LoadStackConfig("..", "dev")
		if err != nil {
			t.Fatal(err)
		}
		cfg = cfg.With(map[string]string{"models": models})
		cfg.Stack = sn
		res, err := mockstack.RunConfig(cfg, stack.Program)
		if err != nil {
			if !strings.Contains(err.Error(), "models[0].revisions[1].name") {
				t.Errorf("stack %q: %v; want the revision's name refused", sn, err)
			}
			refused++
			continue
		}
		all := names(t, res)
		if !slices.ContainsFunc(slices.Collect(maps.Keys(all)), func(k string) bool { return strings.HasSuffix(k, "gpuorch-model-reference-1-v2-app") }) {
			t.Errorf("stack %q: no canary app among %d names", sn, len(all))
		}
		fits++
	}
	t.Logf("%d stack names deploy the canary, %d refuse its name", fits, refused)
	if fits == 0 || refused == 0 {
		t.Errorf("%d fit, %d refused: both should occur among these stack names", fits, refused)
	}
}

// The rollback alert reads the router's own line from the workspace the
// environment logs to, counts the deciding replica's alone, one alert per
// model and revision, into the action group.
func TestRollbackAlertQueriesTheRoutersLine(t *testing.T) {
	res := deployProdWith(t, withCanary)
	rule := one(t, res, "azure-native:insights:ScheduledQueryRule")
	workspace := one(t, res, "azure-native:operationalinsights:Workspace")
	group := one(t, res, "azure-native:insights:ActionGroup")
	str := func(v resource.PropertyValue) string {
		if v = mockstack.Unwrap(v); v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	criterion := rule.Input("criteria.allOf").ArrayValue()[0].ObjectValue()
	query := str(criterion["query"])
	for _, want := range []string{"ContainerAppConsoleLogs", "ContainerAppName == 'ca-gpuorch-prod-router'",
		"== '" + routerconfig.LogRollback + "'", "isempty(tostring(e.from))", "model = tostring(e.model)", "revision = tostring(e.revision)"} {
		if !strings.Contains(query, want) {
			t.Errorf("query lacks %q:\n%s", want, query)
		}
	}
	var dims []string
	for _, d := range criterion["dimensions"].ArrayValue() {
		dims = append(dims, str(d.ObjectValue()["name"]))
	}
	if !slices.Equal(dims, []string{"model", "revision"}) || str(criterion["timeAggregation"]) != "Count" || str(criterion["operator"]) != "GreaterThan" {
		t.Errorf("criterion %v: want a count above 0 by model and revision", criterion)
	}
	scope := str(rule.Input("scopes").ArrayValue()[0])
	actions := str(rule.Input("actions.actionGroups").ArrayValue()[0])
	if !strings.HasSuffix(scope, "/"+workspace.String("workspaceName")) || !strings.HasSuffix(actions, "/"+group.String("actionGroupName")) {
		t.Errorf("scope %q, action group %q: want the stack's workspace and action group", scope, actions)
	}
}
