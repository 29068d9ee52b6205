package rules

import (
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// requiredTags are the tags the platform relies on (cost reports by project
// and stack; managed-by tells people not to edit by hand).
var requiredTags = []string{"project", "stack", "managed-by"}

// taggableTypes have a `tags` input in @pulumi/azure-native 2.90.0 (checked
// in each resource's .d.ts). Budget, Queue, BlobContainer, ManagementPolicy,
// RoleAssignment, Batch Pool (API 2023-05-01) and Front Door's origin
// groups, origins, routes and security policies have none. Any other
// azure-native resource that sends tags is held to the same rule.
var taggableTypes = []string{
	"resources:ResourceGroup", "operationalinsights:Workspace", "insights:ActionGroup",
	"insights:MetricAlert", "insights:Workbook", "keyvault:Vault", "keyvault:Secret",
	"storage:StorageAccount", "app:ManagedEnvironment", "app:ContainerApp",
	"batch:BatchAccount", "managedidentity:UserAssignedIdentity", "containerregistry:Registry",
	"cdn:Profile", "cdn:AFDEndpoint", "network:Policy",
}

func tagPolicies() []policyx.Policy {
	return []policyx.Policy{
		resourceRule{
			name:        "required-tags",
			description: "Every taggable resource carries the tags project, stack and managed-by.",
			level:       mandatory,
			check: func(t target, report func(string, ...any)) {
				if !strings.HasPrefix(t.Type, "azure-native:") {
					return
				}
				f := get(t.Props, "tags")
				if f.unknown() || (f.absent() && !matchesAny(t.Type, taggableTypes)) {
					return
				}
				// A resource whose tags the program gives at creation and
				// then leaves to another writer (ignoreChanges) is judged
				// at creation: a model's rollout secret, whose versions the
				// router writes without tags, has none once refreshed.
				if f.absent() && slices.Contains(t.IgnoreChanges, "tags") {
					return
				}
				tags := f.entries()
				var missing []string
				for _, k := range requiredTags {
					v, ok := tags[k]
					if ok && v.IsComputed() {
						continue
					}
					if !ok || !v.IsString() || v.AsString() == "" {
						missing = append(missing, k)
					}
				}
				if len(missing) > 0 {
					report("%s %q: add tags %s (pass the stack's tags, components.StackTags, to its Tags)", kindOf(t.Type), t.Name, strings.Join(missing, ", "))
				}
			},
		}.policy(),
	}
}
