package enginetest

import (
	"context"
	"encoding/json"
	"sort"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/plan"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// secretSig marks an encrypted value in an exported deployment.
const secretSig = "4dabf18193072939515e22adb298388d"

// comparePlan checks that `gpuorch preview`'s plan (the mocked run) and the
// engine's deployed state hold the same resources with the same inputs.
func comparePlan(t *testing.T, ctx context.Context, st auto.Stack, dir, name string) {
	res, err := mockstack.Run(dir, name, stack.Program)
	if err != nil {
		t.Fatalf("mocked run: %v", err)
	}
	doc := plan.Build(res)
	mocked := map[string]plan.Resource{}
	for _, r := range doc.Resources {
		mocked[r.Type+"::"+r.Name] = r
	}

	engine := map[string]bool{}
	for _, r := range exportState(t, ctx, st) {
		key := r.Type + "::" + r.URN[lastSep(r.URN):]
		engine[key] = true
		m, ok := mocked[key]
		if !ok {
			t.Errorf("the engine deployed %s, the plan does not have it", key)
			continue
		}
		if !r.Custom {
			continue // components carry no inputs in either
		}
		got, want := canonical(engineInputs(r.Type, r.Inputs)), canonical(m.Inputs)
		if got != want {
			t.Errorf("%s inputs differ\nengine: %s\nplan:   %s", key, got, want)
		}
	}
	var missing []string
	for key := range mocked {
		if !engine[key] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	for _, key := range missing {
		t.Errorf("the plan has %s, the engine did not deploy it", key)
	}
	t.Logf("plan and engine: %d resources each compared", len(engine))
}

func lastSep(urn string) int {
	for i := len(urn) - 2; i >= 0; i-- {
		if urn[i:i+2] == "::" {
			return i + 2
		}
	}
	return 0
}

// engineInputs masks encrypted values as the plan does, and drops the
// build-context digest the fake docker provider adds when it checks an image
// (the plan shows the program's inputs, before any provider check).
func engineInputs(typ string, in map[string]any) map[string]any {
	out := mask(in).(map[string]any)
	if typ == "docker:index/image:Image" {
		if b, ok := out["build"].(map[string]any); ok {
			delete(b, "contextDigest")
		}
	}
	return out
}

func mask(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x[secretSig]; ok {
			return plan.Secret
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = mask(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mask(e)
		}
		return out
	}
	return v
}

// canonical is JSON with sorted keys and numbers as the decoder reads them.
func canonical(v any) string {
	b, _ := json.Marshal(v)
	var x any
	_ = json.Unmarshal(b, &x)
	b, _ = json.Marshal(x)
	return string(b)
}
