package enginetest

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// canaryImage is the canary's image, by digest as prod requires.
const canaryImage = "crgpuorchprod.azurecr.io/chat@sha256:2222222222222222222222222222222222222222222222222222222222222222"

// canaryModels is Pulumi.prod.yaml's fleet with chat-1 split between v1
// and the canary v2 at the given weights, with the rollback block given.
func canaryModels(v1, v2 int, rollback string) string {
	return fmt.Sprintf(`[{name: chat-1, aliases: [chat], gpuType: A100, maxReplicas: 8, coldStartSeconds: 120, maxBatchNodes: 10, fallbacks: [small-1],
  revisions: [{name: v1, weight: %d}, {name: v2, image: "%s", modelVersion: chat-1.1, weight: %d}]%s},
 {name: small-1, aliases: [small], gpuType: T4, maxReplicas: 4, coldStartSeconds: 60, maxBatchNodes: 4}]`, v1, canaryImage, v2, rollback)
}

const thresholds = `, rollback: {maxErrorRatio: 0.05, latencyPercentile: 95, maxLatencyRatio: 1.5, minRequests: 50, windowSeconds: 300}`

// rolloutSecret is chat-1's rollout secret's logical name.
const rolloutSecret = "gpuorch-vault-rollout--chat-1"

// refreshedResource finds, in `pulumi preview --refresh --diff` output, each
// resource shown as refreshed (its state changed in the cloud): the line
// `~ <type>: (refresh)` and, two lines on, its URN's name.
var refreshedResource = regexp.MustCompile(`~ azure-native:[^ ]+: \(refresh\)\n.*\n\s*\[urn=[^\]]*::([^\]]+)\]`)

// A canary on a running prod stack, through the real engine with the
// policy pack: without rollback thresholds the preview is stopped; with
// them it plans the canary's resources and the router's MODELS, `up`
// deploys them and a second preview plans nothing. When the router rolls
// the canary back (a new version of the rollout secret, written through
// Key Vault's data plane) `pulumi preview --refresh` shows the secret's
// new version and plans nothing — no `up` writes {} over the rollback —
// and the operator's weight 0 then changes the router alone.
func TestProdCanaryThroughTheEngine(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := context.Background()
	dir := t.TempDir()
	// stack rewrites the stack's file with chat-1's revisions.
	stack := func(models string) {
		t.Helper()
		if _, err := eng.Stack(ctx, dir, "prod", "canary", map[string]string{"gpuQuota": "{A100: 16, T4: 4}", "models": models}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := eng.Stack(ctx, dir, "prod", "canary", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Up(ctx, st); err != nil {
		t.Fatalf("up prod: %v", err)
	}

	stack(canaryModels(90, 10, ""))
	pre, err := eng.Preview(ctx, st)
	t.Logf("preview of a canary without thresholds: %s (err: %v)", pre.Summary(), err)
	if err == nil || !hasPolicy(pre.Mandatory(), "canary-rollback-prod") || len(pre.Mandatory()) != 1 {
		t.Fatalf("want the preview stopped by canary-rollback-prod alone; mandatory: %+v", pre.Mandatory())
	}

	stack(canaryModels(90, 10, thresholds))
	pre, err = eng.Preview(ctx, st)
	if err != nil {
		t.Fatalf("preview of the canary with thresholds: %v", err)
	}
	t.Logf("preview of the canary with thresholds: %s", pre.Summary())
	logPolicy(t, pre)
	created, updated := map[string]int{}, []string{}
	for _, s := range pre.Changed() {
		switch s.Op {
		case apitype.OpCreate:
			created[s.Type]++
		case apitype.OpUpdate:
			updated = append(updated, s.Name())
		default:
			t.Errorf("%s %s", s.Op, s.URN)
		}
	}
	t.Logf("the preview creates %v", created)
	want := map[string]int{
		"azure-native:app/v20250101:ContainerApp": 1, "azure-native:managedidentity:UserAssignedIdentity": 1,
		"azure-native:authorization:RoleAssignment": 2, "azure-native:keyvault:Secret": 1, "azure-native:insights:ScheduledQueryRule": 1,
	}
	if fmt.Sprint(created) != fmt.Sprint(want) || !slices.Equal(updated, []string{"gpuorch-router-app"}) {
		t.Errorf("the preview creates %v and updates %v; want %v and the router", created, updated, want)
	}
	if _, err := eng.Up(ctx, st); err != nil {
		t.Fatalf("up with the canary: %v", err)
	}
	again, err := eng.Preview(ctx, st)
	if err != nil || len(again.Changed()) > 0 {
		t.Fatalf("second preview: %v, changes %v", err, stepNames(again.Changed()))
	}

	t.Run("a rollback is drift the next plan leaves alone", func(t *testing.T) {
		outs, err := st.Outputs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		vaultURI, _ := outs["keyVaultUri"].Value.(string)
		u, err := url.Parse(vaultURI)
		if err != nil || u.Host == "" {
			t.Fatalf("keyVaultUri %q", vaultURI)
		}
		eng.Cloud.WriteSecret(strings.Split(u.Host, ".")[0], "rollout--chat-1")
		drift, err := eng.PreviewRefresh(ctx, st)
		if err != nil {
			t.Fatalf("preview --refresh: %v", err)
		}
		t.Logf("pulumi preview --refresh after the rollback: %s\n%s", drift.Summary(), section(drift.Output, rolloutSecret))
		for _, s := range drift.Steps {
			if s.Op != apitype.OpSame && s.Op != apitype.OpRefresh {
				t.Errorf("the plan after the rollback %s %s; it must leave the rollout secret and the rest alone", s.Op, s.Name())
			}
		}
		// What the operator reads: the stack's line and one resource
		// refreshed with a change, the rollout secret.
		var refreshed []string
		for _, m := range refreshedResource.FindAllStringSubmatch(drift.Output, -1) {
			refreshed = append(refreshed, m[1])
		}
		if !slices.Equal(refreshed, []string{rolloutSecret}) {
			t.Errorf("the preview shows %v changed in Azure; want the rollout secret alone", refreshed)
		}
		if out := section(drift.Output, rolloutSecret); !strings.Contains(out, "secretUriWithVersion") {
			t.Errorf("the preview does not show the secret's new version:\n%s", out)
		}

		// The operator takes the canary out: the router alone changes.
		stack(canaryModels(100, 0, thresholds))
		up, err := eng.Up(ctx, st)
		if err != nil {
			t.Fatalf("up with v2 at weight 0: %v", err)
		}
		if names := stepNames(up.Changed()); !slices.Equal(names, []string{"update gpuorch-router-app"}) {
			t.Errorf("weight 0 changed %v; want the router's MODELS alone", names)
		}
	})
}
