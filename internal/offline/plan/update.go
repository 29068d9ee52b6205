package plan

import (
	"sort"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

// Step is what `pulumi up` would do to one resource going from one plan of
// a stack to the next plan of the same stack.
type Step struct {
	Op   string `json:"op"` // one of the Op constants
	Type string `json:"type"`
	Name string `json:"name"`
	// Paths are the inputs that differ (for update, replace, refused).
	Paths []string `json:"paths,omitempty"`
	// Why says which rule made the step a replace or a refused update.
	Why string `json:"why,omitempty"`
}

// Ops of a Step.
const (
	OpSame    = "same"
	OpCreate  = "create"
	OpDelete  = "delete"
	OpUpdate  = "update"
	OpReplace = "replace"
	// OpRefused is an in-place update Azure rejects: the provider sends it,
	// the deployment fails (a Batch pool's deploymentConfiguration).
	OpRefused = "refused"
)

// ForceNewEverywhere are inputs that name where a resource lives: the
// azure-native provider replaces a resource when a property of its URL path
// (its name, its resource group, its parent's name) or its location changes
// (pulumi/pulumi-azure-native: path parameters and location are
// replace-on-change).
var ForceNewEverywhere = []string{"resourceGroupName", "location", "accountName", "vaultName"}

// ForceNew are further inputs Azure cannot change in place, per type
// ("module:Type").
var ForceNew = map[string][]string{
	// A role assignment is immutable: any change is a new assignment.
	"authorization:RoleAssignment": {"principalId", "principalType", "roleDefinitionId", "scope", "roleAssignmentName"},
	"app:ContainerApp":             {"managedEnvironmentId"},
	"insights:DiagnosticSetting":   {"resourceUri"},
	"insights:Workbook":            {"resourceName"},
}

// Updatable lists, for types ("module:Type") where Azure accepts only some
// changes on an existing resource, the inputs it accepts; a change
// elsewhere is refused.
// Batch pools (API 2023-05-01, azure-native 2.90.0): an existing pool takes
// new applicationPackages, certificates, metadata, scaleSettings and
// startTask; deploymentConfiguration, vmSize and the rest answer
// PropertyCannotBeUpdated (azure-docs batch/batch-pool-update-properties.md;
// Azure/Batch issues 85 and 153).
var Updatable = map[string][]string{
	"batch:Pool": {"applicationPackages", "certificates", "metadata", "scaleSettings", "startTask"},
}

// StepsBetween compares two mocked runs of the same stack. Secret inputs
// are compared by value (a changed secret is an update), never shown.
func StepsBetween(before, after *mockstack.Result) []Step {
	reveal := func(res *mockstack.Result) Document {
		d := Build(res)
		for i, r := range res.Resources {
			d.Resources[i].Inputs = objectJSONOf(r.Inputs, true)
		}
		return d
	}
	return Steps(reveal(before), reveal(after))
}

// Steps compares two plans of the same stack, matching resources by URN,
// or by an alias of the later resource as the engine does: a resource that
// moved (a new parent, a new name) under an alias of its old URN is the
// same resource.
func Steps(before, after Document) []Step {
	old := map[string]Resource{}
	for _, r := range before.Resources {
		old[r.URN] = r
	}
	seen := map[string]bool{}
	var out []Step
	for _, r := range after.Resources {
		prev, ok := old[r.URN]
		seen[r.URN] = true
		for _, a := range r.Aliases {
			if ok {
				break
			}
			if prev, ok = old[a]; ok {
				seen[a] = true
			}
		}
		if !ok {
			out = append(out, Step{Op: OpCreate, Type: r.Type, Name: r.Name})
			continue
		}
		out = append(out, step(prev, r))
	}
	for _, r := range before.Resources {
		if !seen[r.URN] {
			out = append(out, Step{Op: OpDelete, Type: r.Type, Name: r.Name})
		}
	}
	return out
}

func step(prev, next Resource) Step {
	s := Step{Op: OpSame, Type: next.Type, Name: next.Name}
	if !next.Custom {
		return s
	}
	fa, fb := flatten(prev.Inputs), flatten(next.Inputs)
	for _, p := range unionKeys(fa, fb) {
		if !equalJSON(fa[p], fb[p]) {
			s.Paths = append(s.Paths, p)
		}
	}
	if len(s.Paths) == 0 {
		return s
	}
	s.Op = OpUpdate
	module := moduleType(next.Type)
	nameKey := nameInput(next.Type)
	for _, p := range s.Paths {
		top := topKey(p)
		switch {
		case top == nameKey || contains(ForceNewEverywhere, top) || contains(ForceNew[module], top):
			s.Op, s.Why = OpReplace, top+" cannot change in place"
			return s
		case Updatable[module] != nil && !contains(Updatable[module], top):
			s.Op, s.Why = OpRefused, top+" cannot be updated on an existing "+module+" (PropertyCannotBeUpdated)"
		}
	}
	return s
}

// Count tallies steps by op.
func Count(steps []Step) map[string]int {
	m := map[string]int{}
	for _, s := range steps {
		m[s.Op]++
	}
	return m
}

// Of returns the steps with the op, sorted by type and name.
func Of(steps []Step, op string) []Step {
	var out []Step
	for _, s := range steps {
		if s.Op == op {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type+out[i].Name < out[j].Type+out[j].Name })
	return out
}

// moduleType is "module:Type" of an azure-native token, any API version.
func moduleType(token string) string {
	parts := strings.Split(token, ":")
	if len(parts) != 3 {
		return token
	}
	module, _, _ := strings.Cut(parts[1], "/")
	return module + ":" + parts[2]
}

// nameInput is the input that carries a type's Azure name.
func nameInput(token string) string {
	switch moduleType(token) {
	case "storage:StorageAccount", "batch:BatchAccount":
		return "accountName"
	case "storage:BlobContainer":
		return "containerName"
	case "managedidentity:UserAssignedIdentity", "insights:Workbook":
		return "resourceName"
	case "insights:DiagnosticSetting":
		return "name"
	case "insights:MetricAlert", "insights:ScheduledQueryRule":
		return "ruleName"
	}
	parts := strings.Split(token, ":")
	t := parts[len(parts)-1]
	return strings.ToLower(t[:1]) + t[1:] + "Name"
}

func topKey(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
