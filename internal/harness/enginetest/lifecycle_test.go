package enginetest

import (
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// The dev stack's whole life through the real engine: preview, up, a second
// preview with nothing to do, an image rebuild plus a routing change that
// updates exactly the resources that carry them, a mandatory policy
// violation that stops `up` before any change, and destroy.
func TestDevLifecycle(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := eng.Stack(ctx, dir, "dev", "dev", nil)
	if err != nil {
		t.Fatal(err)
	}

	pre, err := eng.Preview(ctx, st)
	if err != nil {
		t.Fatalf("preview dev: %v", err)
	}
	t.Logf("preview dev: %s", pre.Summary())
	logPolicy(t, pre)
	if m := pre.Mandatory(); len(m) > 0 {
		t.Fatalf("preview dev: %d mandatory violations: %+v", len(m), m)
	}
	if ops := pre.Ops(); len(ops) != 1 || ops[apitype.OpCreate] == 0 {
		t.Fatalf("preview of a new stack plans only creates, got %v", ops)
	}

	up, err := eng.Up(ctx, st)
	if err != nil {
		t.Fatalf("up dev: %v", err)
	}
	t.Logf("up dev: %s", up.Summary())
	if got, want := up.Ops()[apitype.OpCreate], pre.Ops()[apitype.OpCreate]; got != want {
		t.Errorf("up created %d resources, the preview planned %d", got, want)
	}

	t.Run("plan agrees with the engine", func(t *testing.T) { comparePlan(t, ctx, st, dir, "dev") })

	again, err := eng.Preview(ctx, st)
	if err != nil {
		t.Fatalf("second preview: %v", err)
	}
	t.Logf("second preview dev: %s", again.Summary())
	if changed := again.Changed(); len(changed) > 0 {
		t.Errorf("second preview after up plans %d changes, want none: %v", len(changed), stepNames(changed))
	}

	t.Run("image rebuild and routing change update in place", func(t *testing.T) {
		eng.Cloud.Rebuild("refmodel/Dockerfile")
		if _, err := eng.Stack(ctx, dir, "dev", "dev", map[string]string{"realtimeThresholdMs": "1500"}); err != nil {
			t.Fatal(err)
		}
		pre, err := eng.Preview(ctx, st)
		if err != nil {
			t.Fatalf("preview: %v", err)
		}
		t.Logf("preview after rebuild: %s", pre.Summary())
		for _, s := range pre.Changed() {
			t.Logf("%s in the preview diff:\n%s", s.Name(), section(pre.Output, s.Name()))
		}
		checkTemplateJudged(t, pre)
		if vault := section(pre.Output, "gpuorch-vault-realtime-threshold-ms"); !strings.Contains(vault, "[secret] => [secret]") {
			t.Errorf("a routing setting's change shows in the diff as %q; the README tells operators it reads [secret] => [secret]", vault)
		}

		up, err := eng.Up(ctx, st)
		if err != nil {
			t.Fatalf("up: %v", err)
		}
		t.Logf("up after rebuild: %s", up.Summary())
		got := map[string]apitype.OpType{}
		for _, s := range up.Changed() {
			got[s.Name()] = s.Op
		}
		want := map[string]apitype.OpType{
			// The rebuilt image and everything that runs it.
			"gpuorch-registry-refmodel": apitype.OpUpdate,
			"gpuorch-inference-app":     apitype.OpUpdate,
			"gpuorch-router-app":        apitype.OpUpdate, // its env names the inference image
			// Not the pool: Azure refuses updates of a pool's
			// deploymentConfiguration (PropertyCannotBeUpdated), so the pool
			// names no image; each task names the one it runs.
			// The routing setting's Key Vault secret.
			"gpuorch-vault-realtime-threshold-ms": apitype.OpUpdate,
		}
		if !sameOps(got, want) {
			t.Errorf("second up changed %v, want %v", got, want)
		}
	})

	t.Run("mandatory violation stops up before any change", func(t *testing.T) {
		before := exportResources(t, ctx, st)
		// Tagged prod, the dev registry's admin user breaks acr-admin-user-off-prod.
		if _, err := eng.Stack(ctx, dir, "dev", "dev", map[string]string{
			"realtimeThresholdMs": "1500", "tags": "{environment: prod, cost-center: ml-platform}",
		}); err != nil {
			t.Fatal(err)
		}
		run, err := eng.Up(ctx, st)
		if err == nil {
			t.Fatal("up with a mandatory violation succeeded")
		}
		t.Logf("up with a violation: %v", err)
		if !hasPolicy(run.Mandatory(), "acr-admin-user-off-prod") {
			t.Errorf("want a mandatory acr-admin-user-off-prod violation, got %+v", run.Mandatory())
		}
		if after := exportResources(t, ctx, st); after != before {
			t.Error("the stack's state changed although up was stopped")
		}
	})

	down, err := eng.Destroy(ctx, st)
	if err != nil {
		t.Fatalf("destroy: %v", err)
	}
	t.Logf("destroy dev: %s", down.Summary())
	if got, want := down.Ops()[apitype.OpDelete], up.Ops()[apitype.OpCreate]; got != want {
		t.Errorf("destroy deleted %d resources, up created %d", got, want)
	}
}

// The prod stack file previews cleanly with the policy pack on a new stack
// (TestIsolatedDeployAsWritten deploys it, as "prod", from the README).
func TestProdPreview(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := context.Background()
	st, err := eng.Stack(ctx, t.TempDir(), "prod", "prodnew", nil)
	if err != nil {
		t.Fatal(err)
	}
	pre, err := eng.Preview(ctx, st)
	if err != nil {
		t.Fatalf("preview prod: %v", err)
	}
	t.Logf("preview prod: %s", pre.Summary())
	logPolicy(t, pre)
	if m := pre.Mandatory(); len(m) > 0 {
		t.Fatalf("preview prod: %d mandatory violations: %+v", len(m), m)
	}
}

// On a new stack every image digest is unknown at preview; the rules on a
// Container App's template must still judge it. inferenceMaxReplicas 40 is
// valid config (Container Apps allow 300) but breaks the pack's mandatory
// containerapp-max-replicas-bounded (30).
func TestFreshPreviewJudgesTemplates(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := context.Background()
	st, err := eng.Stack(ctx, t.TempDir(), "dev", "fresh", map[string]string{"inferenceMaxReplicas": "40"})
	if err != nil {
		t.Fatal(err)
	}
	pre, err := eng.Preview(ctx, st)
	t.Logf("preview of a new stack with 40 GPU replicas: %s (err: %v)", pre.Summary(), err)
	if err == nil || !hasPolicy(pre.Mandatory(), "containerapp-max-replicas-bounded") {
		t.Errorf("the preview did not judge the template's maxReplicas; mandatory results: %+v", pre.Mandatory())
	}
}

// checkTemplateJudged asserts that a rebuilt image leaves the Container
// Apps' templates known but for the image: the diff names the image, not the
// whole template, so the policy pack judged the rest during the preview.
func checkTemplateJudged(t *testing.T, run Run) {
	t.Helper()
	for _, s := range run.Steps {
		if s.Name() != "gpuorch-inference-app" {
			continue
		}
		paths := make([]string, 0, len(s.DetailedDiff))
		for p := range s.DetailedDiff {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			if p == "template" || p == "configuration" {
				t.Errorf("the preview diff replaces the whole %s (one unknown swallowed the block): %v", p, paths)
			}
		}
		if _, ok := s.DetailedDiff["template.containers[0].image"]; !ok {
			t.Errorf("the preview diff does not name the image: %v", paths)
		}
		return
	}
	t.Error("the preview has no step for the inference app")
}

func logPolicy(t *testing.T, run Run) {
	t.Helper()
	for _, p := range run.Policy {
		t.Logf("  policy %s (%s) %s: %s", p.PolicyName, p.EnforcementLevel, p.ResourceURN, firstLine(p.Message))
	}
}

// resourceHeader is the line that opens a resource in a diff output.
var resourceHeader = regexp.MustCompile(`^\s*[~+-]+ [a-z-]+:[^ ]+: \(`)

// section is the part of a diff output about the named resource.
func section(out, name string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimLeft(line, " +-~<>")
		switch {
		case strings.Contains(line, "::"+name+"]") || strings.Contains(trimmed, name+":"):
			in = true
		case in && resourceHeader.MatchString(line):
			in = false
		}
		if in {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func exportResources(t *testing.T, ctx context.Context, st auto.Stack) string {
	t.Helper()
	dep, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Resources json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(dep.Deployment, &d); err != nil {
		t.Fatal(err)
	}
	return string(d.Resources)
}

func hasPolicy(ps []apitype.PolicyEvent, name string) bool {
	for _, p := range ps {
		if p.PolicyName == name {
			return true
		}
	}
	return false
}

func sameOps(a, b map[string]apitype.OpType) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func stepNames(steps []Step) []string {
	out := make([]string, 0, len(steps))
	for _, s := range steps {
		out = append(out, string(s.Op)+" "+s.Name())
	}
	return out
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// retainData: `pulumi destroy` removes the stack's resources from the
// cloud except the Key Vault and the storage account and what they hold,
// which the engine leaves in place (retainOnDelete) — as prod sets it.
func TestRetainedDataOutlivesDestroy(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := context.Background()
	st, err := eng.Stack(ctx, t.TempDir(), "dev", "retained", map[string]string{"retainData": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Up(ctx, st); err != nil {
		t.Fatalf("up: %v", err)
	}
	if _, err := eng.Destroy(ctx, st); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	retained := map[string]bool{
		"azure-native:keyvault:Vault": true, "azure-native:keyvault:Secret": true,
		"azure-native:storage:StorageAccount": true, "azure-native:storage:Queue": true,
		"azure-native:storage:BlobContainer": true, "azure-native:storage:ManagementPolicy": true,
	}
	deletedTypes := map[string]int{}
	for _, u := range eng.Cloud.Deleted() {
		urn := resource.URN(u)
		if urn.Stack().String() != "retained" {
			continue
		}
		deletedTypes[string(urn.Type())]++
	}
	for typ := range retained {
		if deletedTypes[typ] > 0 {
			t.Errorf("destroy deleted %d %s; retainData keeps them", deletedTypes[typ], typ)
		}
	}
	if deletedTypes["azure-native:app/v20250101:ContainerApp"] != 2 || deletedTypes["azure-native:batch:BatchAccount"] != 1 {
		t.Errorf("destroy deleted %v; want the apps and the Batch account gone", deletedTypes)
	}
	n := 0
	for _, c := range deletedTypes {
		n += c
	}
	t.Logf("destroy with retainData: the provider deleted %d resources of %d types, none of the vault's or the storage account's", n, len(deletedTypes))
}
