package enginetest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// readmeGlobalStack is what the README calls the global stack (-s global).
const readmeGlobalStack = "global"

// A multi-region deployment through the engine, in the order the README
// gives: two regional stacks (Pulumi.dev.yaml in westus3 and in
// swedencentral) deployed on their own; the global stack
// (Pulumi.global.yaml) previewed and deployed before them with the policy
// pack, its StackReferences read by the engine from the file backend; each
// region joined to it (globalStack), which updates its router and its key
// hash and drops its own key; then nothing left to change anywhere.
func TestGlobalStackBeforeTwoRegions(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := context.Background()

	regions := map[string]string{"mr-westus3": "westus3", "mr-sweden": "swedencentral"}
	names := slices.Sorted(maps.Keys(regions))
	stacks := map[string]auto.Stack{}
	dirs := map[string]string{}
	for _, name := range names {
		dirs[name] = t.TempDir()
		st, err := eng.Stack(ctx, dirs[name], "dev", name, map[string]string{"location": regions[name]})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Up(ctx, st); err != nil {
			t.Fatalf("up %s: %v", name, err)
		}
		stacks[name] = st
	}

	const global = "mr-global"
	gdir := t.TempDir()
	regionList, _ := json.Marshal(names)
	gst, err := eng.Stack(ctx, gdir, "global", global, map[string]string{"regionStacks": string(regionList)})
	if err != nil {
		t.Fatal(err)
	}
	pre, err := eng.Preview(ctx, gst)
	if err != nil {
		t.Fatalf("preview %s: %v", global, err)
	}
	t.Logf("preview %s: %s", global, pre.Summary())
	t.Logf("the global stack's plan:\n%s", planByType(pre))
	if m := pre.Mandatory(); len(m) > 0 {
		t.Fatalf("the pack stops the global stack: %v", m)
	}
	if n := countOf(pre, apitype.OpCreate, "azure-native:cdn:AFDOrigin"); n != 2 {
		t.Errorf("the preview creates %d origins, want one per region", n)
	}
	if n := countOf(pre, apitype.OpRead, "pulumi:pulumi:StackReference"); n != 2 {
		t.Errorf("the preview reads %d stack references, want the two regions", n)
	}
	if _, err := eng.Up(ctx, gst); err != nil {
		t.Fatalf("up %s: %v", global, err)
	}
	gout, err := gst.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := gout["endpointUrl"].Value.(string); !strings.HasPrefix(u, "https://") || !gout["apiKey"].Secret {
		t.Errorf("global outputs: endpointUrl %v, apiKey secret %v", gout["endpointUrl"].Value, gout["apiKey"].Secret)
	}
	for _, p := range readmeOutputsOf(t, readmeGlobalStack) {
		if _, ok := gout[p.Output]; !ok {
			t.Errorf("README line %d: %q reads output %s, which the global stack does not export", p.From.Line, p.From, p.Output)
		}
	}

	// Each region joins: its router learns the deployment, its key is the
	// deployment's; nothing is replaced.
	for _, name := range names {
		st, err := eng.Stack(ctx, dirs[name], "dev", name, map[string]string{
			"location": regions[name], "globalStack": global, "spillover": "realtime"})
		if err != nil {
			t.Fatal(err)
		}
		run, err := eng.Up(ctx, st)
		if err != nil {
			t.Fatalf("up %s behind %s: %v", name, global, err)
		}
		t.Logf("join %s: %s", name, run.Summary())
		var changed []string
		for _, s := range run.Changed() {
			changed = append(changed, string(s.Op)+" "+s.Name())
		}
		slices.Sort(changed)
		want := []string{"delete gpuorch-api-key", "update gpuorch-router-app", "update gpuorch-vault-router-api-key-sha256"}
		if !slices.Equal(changed, want) {
			t.Errorf("%s joins with %v, want %v", name, changed, want)
		}
		out, err := st.Outputs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if out["apiKey"].Value != gout["apiKey"].Value {
			t.Errorf("%s's apiKey is not the deployment's", name)
		}
		env := routerEnvInState(t, ctx, st)
		var peers []routerconfig.Peer
		if err := json.Unmarshal([]byte(env[routerconfig.EnvPeers]), &peers); err != nil || len(peers) != 1 || peers[0].Region == regions[name] {
			t.Errorf("%s's router PEERS %q, want the other region", name, env[routerconfig.EnvPeers])
		}
		if env[routerconfig.EnvRegion] != regions[name] || env[routerconfig.EnvFrontDoorID] != gout["frontDoorId"].Value {
			t.Errorf("%s's router REGION %q, FRONT_DOOR_ID %q", name, env[routerconfig.EnvRegion], env[routerconfig.EnvFrontDoorID])
		}
		stacks[name] = st
	}

	// Every stack of the deployment is where its code puts it.
	for name, st := range map[string]auto.Stack{global: gst, names[0]: stacks[names[0]], names[1]: stacks[names[1]]} {
		again, err := eng.Preview(ctx, st)
		if err != nil {
			t.Fatalf("second preview %s: %v", name, err)
		}
		if changed := again.Changed(); len(changed) > 0 {
			t.Errorf("second preview of %s plans %v, want nothing", name, stepNames(changed))
		}
	}
}

// readmeOutputsOf are the README's reads of one stack's outputs.
func readmeOutputsOf(t *testing.T, stack string) []PulumiCommand {
	t.Helper()
	var out []PulumiCommand
	for _, p := range readmeOutputReads(t) {
		if p.Stack == stack {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Fatalf("the README reads no output of stack %s", stack)
	}
	return out
}

func countOf(r Run, op apitype.OpType, typ string) int {
	n := 0
	for _, s := range r.Steps {
		if s.Op == op && s.Type == typ {
			n++
		}
	}
	return n
}

// planByType is a preview's steps counted by type and operation.
func planByType(r Run) string {
	counts := map[string]int{}
	for _, s := range r.Steps {
		counts[fmt.Sprintf("%-55s %s", s.Type, s.Op)]++
	}
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		lines = append(lines, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(lines, "\n")
}

// routerEnvInState is the router app's environment as the deployed state
// holds it.
func routerEnvInState(t *testing.T, ctx context.Context, st auto.Stack) map[string]string {
	t.Helper()
	dep, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var d apitype.DeploymentV3
	if err := json.Unmarshal(dep.Deployment, &d); err != nil {
		t.Fatal(err)
	}
	for _, r := range d.Resources {
		if r.Type != "azure-native:app/v20250101:ContainerApp" || !strings.HasSuffix(string(r.URN), "::gpuorch-router-app") {
			continue
		}
		env := map[string]string{}
		inputs := resource.NewPropertyMapFromMap(r.Inputs)
		containers := inputs["template"].ObjectValue()["containers"].ArrayValue()
		for _, e := range containers[0].ObjectValue()["env"].ArrayValue() {
			m := e.ObjectValue()
			if v := m["value"]; v.IsString() {
				env[m["name"].StringValue()] = v.StringValue()
			}
		}
		return env
	}
	t.Fatal("no router app in the state")
	return nil
}
