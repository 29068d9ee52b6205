package fakeprovider

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

// replaceKeys are the inputs whose change makes a new resource: for
// azure-native the resource's path (group and name) and location, which ARM
// cannot move; for random every input, since a random value is generated once.
func replaceKeys(typ string, key resource.PropertyKey) bool {
	switch {
	case strings.HasPrefix(typ, "random:"):
		return true
	case strings.HasPrefix(typ, "azure-native:"):
		return key == "location" || key == "resourceGroupName" || string(key) == mockstack.NameKey(typ)
	}
	return false
}

// diff is the detailed, property-level diff the engine shows and a policy
// of "update, never replace" can be checked against.
func diff(typ string, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	d := olds.Diff(news, func(k resource.PropertyKey) bool { return strings.HasPrefix(string(k), "__") })
	if d == nil || !d.AnyChanges() {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true}
	}
	detailed := map[string]*pulumirpc.PropertyDiff{}
	replaces := map[string]bool{}
	for path, pd := range plugin.NewDetailedDiffFromObjectDiff(d, true) {
		top := topKey(path)
		kind := pd.Kind
		if replaceKeys(typ, top) {
			kind = kind.AsReplace()
			replaces[string(top)] = true
		}
		detailed[path] = &pulumirpc.PropertyDiff{Kind: rpcKind(kind), InputDiff: true}
	}
	changed := make([]string, 0, len(d.Keys()))
	for _, k := range d.Keys() {
		changed = append(changed, string(k))
	}
	sort.Strings(changed)
	return &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_SOME,
		Diffs:           changed,
		Replaces:        slices.Sorted(maps.Keys(replaces)),
		DetailedDiff:    detailed,
		HasDetailedDiff: true,
	}
}

func topKey(path string) resource.PropertyKey {
	p, err := resource.ParsePropertyPath(path)
	if err != nil || len(p) == 0 {
		return resource.PropertyKey(path)
	}
	if s, ok := p[0].(string); ok {
		return resource.PropertyKey(s)
	}
	return resource.PropertyKey(path)
}

func rpcKind(k plugin.DiffKind) pulumirpc.PropertyDiff_Kind {
	switch k {
	case plugin.DiffAdd:
		return pulumirpc.PropertyDiff_ADD
	case plugin.DiffAddReplace:
		return pulumirpc.PropertyDiff_ADD_REPLACE
	case plugin.DiffDelete:
		return pulumirpc.PropertyDiff_DELETE
	case plugin.DiffDeleteReplace:
		return pulumirpc.PropertyDiff_DELETE_REPLACE
	case plugin.DiffUpdateReplace:
		return pulumirpc.PropertyDiff_UPDATE_REPLACE
	default:
		return pulumirpc.PropertyDiff_UPDATE
	}
}
