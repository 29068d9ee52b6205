package enginetest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

const modelType = "gpu-orchestration:model:ModelDeployment"

// Pulumi.prod.yaml, two models on two GPU types: `up` after a preview with
// the pack, then a second preview with nothing to change. (Its own stack
// name: the engine's backend is shared by the tests that run at once.)
func TestProdUpAndSecondPreview(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := context.Background()
	st, err := eng.Stack(ctx, t.TempDir(), "prod", "fleet", nil)
	if err != nil {
		t.Fatal(err)
	}
	up, err := eng.Up(ctx, st)
	if err != nil {
		t.Fatalf("up prod: %v", err)
	}
	t.Logf("up prod: %s", up.Summary())
	created := map[string]int{}
	for _, s := range up.Steps {
		if s.Op == apitype.OpCreate {
			created[s.Type]++
		}
	}
	if created[modelType] != 2 || created["azure-native:batch:Pool"] != 2 || created["azure-native:app/v20250101:ContainerApp"] != 3 {
		t.Errorf("up created %d models, %d pools, %d apps; want 2, 2 (A100, T4) and 3 (two models, the router)",
			created[modelType], created["azure-native:batch:Pool"], created["azure-native:app/v20250101:ContainerApp"])
	}
	again, err := eng.Preview(ctx, st)
	if err != nil {
		t.Fatalf("second preview: %v", err)
	}
	t.Logf("second preview prod: %s", again.Summary())
	if changed := again.Changed(); len(changed) > 0 {
		t.Errorf("second preview after up plans %d changes, want none: %v", len(changed), stepNames(changed))
	}
}

// movedFrom is where the single-model release declared what is now the
// default model's: identity and grant under the platform, the app under
// the inference tier, its alerts under the platform's alerts.
var movedFrom = map[string]string{
	"azure-native:managedidentity:UserAssignedIdentity": "", // the platform
	"azure-native:authorization:RoleAssignment":         "",
	"azure-native:app/v20250101:ContainerApp":           "gpu-orchestration:inference:Inference",
	"azure-native:insights:MetricAlert":                 "gpu-orchestration:alerts:Alerts",
}

// A stack deployed by the single-model release moves to this program
// without a replacement: its state is written back to the single-model
// layout (the default model's resources under their old parents, no
// ModelDeployment) and imported; the next preview moves them by their
// aliases, "same", and creates nothing but the component.
func TestSingleModelStateMovesByAliases(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := context.Background()
	st, err := eng.Stack(ctx, t.TempDir(), "dev", "moved", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Up(ctx, st); err != nil {
		t.Fatalf("up: %v", err)
	}
	dep, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old, moved, err := singleModelLayout(dep.Deployment)
	if err != nil {
		t.Fatal(err)
	}
	dep.Deployment = old
	if err := st.Import(ctx, dep); err != nil {
		t.Fatalf("import of the single-model layout: %v", err)
	}
	pre, err := eng.Preview(ctx, st)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	t.Logf("preview of the single-model state: %s", pre.Summary())
	for _, s := range pre.Changed() {
		if s.Op != apitype.OpCreate || s.Type != modelType {
			t.Errorf("%s %s: only the ModelDeployment component may be new", s.Op, s.URN)
		}
	}
	same := map[string]bool{}
	for _, s := range pre.Steps {
		if s.Op == apitype.OpSame {
			same[s.URN] = true
		}
	}
	for _, urn := range moved {
		if !same[urn] {
			t.Errorf("%s is not the same resource under its new URN", urn)
		}
	}
	if len(moved) != 5 {
		t.Errorf("%d resources moved, want the default model's identity, grant, app and two alerts", len(moved))
	}
}

// singleModelLayout rewrites a deployment of this program as the
// single-model release had it: each child of the default model's
// ModelDeployment under its old parent and URN, the component gone, and
// the moved alerts after their old parent (a snapshot lists parents
// first). It returns the rewritten deployment and the moved resources'
// current URNs.
func singleModelLayout(deployment json.RawMessage) (json.RawMessage, []string, error) {
	var d map[string]any
	if err := json.Unmarshal(deployment, &d); err != nil {
		return nil, nil, err
	}
	resources, _ := d["resources"].([]any)
	byType := map[string]string{} // component type → URN
	var component string
	for _, r := range resources {
		m := r.(map[string]any)
		typ, urn := m["type"].(string), m["urn"].(string)
		byType[typ] = urn
		if typ == modelType {
			component = urn
		}
	}
	platform := byType["gpu-orchestration:platform:Platform"]
	renames := map[string]string{}
	var moved []string
	for _, r := range resources {
		m := r.(map[string]any)
		if m["parent"] != component {
			continue
		}
		typ, urn := m["type"].(string), resource.URN(m["urn"].(string))
		parent := platform
		if p := movedFrom[typ]; p != "" {
			parent = byType[p]
		}
		oldURN := resource.NewURN(urn.Stack(), urn.Project(), resource.URN(parent).QualifiedType(), tokens.Type(typ), urn.Name())
		renames[string(urn)] = string(oldURN)
		m["parent"] = parent
		moved = append(moved, string(urn))
	}
	var kept, alerts []any
	for _, r := range resources {
		m := r.(map[string]any)
		switch {
		case m["urn"] == component:
		case m["type"] == "azure-native:insights:MetricAlert" && m["parent"] == byType["gpu-orchestration:alerts:Alerts"] && renames[m["urn"].(string)] != "":
			alerts = append(alerts, r)
		default:
			kept = append(kept, r)
		}
	}
	at := slices.IndexFunc(kept, func(r any) bool { return r.(map[string]any)["urn"] == byType["gpu-orchestration:alerts:Alerts"] })
	kept = slices.Insert(kept, at+1, alerts...)
	d["resources"] = kept
	b, err := json.Marshal(d)
	if err != nil {
		return nil, nil, err
	}
	text := string(b)
	for from, to := range renames {
		text = strings.ReplaceAll(text, `"`+from+`"`, `"`+to+`"`)
	}
	if strings.Contains(text, component) {
		return nil, nil, errRef(component)
	}
	return json.RawMessage(text), moved, nil
}

type errRef string

func (e errRef) Error() string { return "the rewritten state still refers to " + string(e) }
