package rules

import (
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// grantConsumers are the types that act as the user-assigned identities in
// their `identity` input: Container Apps pull images and read Key Vault,
// queues and blobs; Batch pools pull images and move blobs; a Batch account
// reaches its auto-storage.
var grantConsumers = []string{"app:ContainerApp", "batch:Pool", "batch:BatchAccount"}

// grantsPolicies holds the ordering rule Azure's API cannot enforce: a role
// assignment is a separate resource, and a consumer created before it (or
// in parallel) fails — a Container App revision cannot pull its image
// (`ContainerAppOperationError … unable to pull image using Managed
// identity`, microsoft/azure-container-apps issues 1061 and 836), a router
// cannot read its settings. Role assignments also take up to 10 minutes to
// take effect (azure-docs role-based-access-control/troubleshooting.md), so
// the order is the least a deployment needs.
func grantsPolicies() []policyx.Policy {
	return []policyx.Policy{
		stackRule{
			name: "grant-consumers-depend-on-grants",
			description: "Every resource that acts as a user-assigned identity (a Container App, a Batch pool or account) " +
				"depends, directly or through its parent components, on each role assignment granted to that identity.",
			level: mandatory,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				byURN := map[string]policyx.AnalyzerResource{}
				identities := map[string]bool{}
				for _, r := range resources {
					byURN[r.URN] = r
					if typeIs(r.Type, "managedidentity:UserAssignedIdentity") {
						identities[r.URN] = true
					}
				}
				// grantsOf: identity URN → the role assignments granted to it.
				grantsOf := map[string][]policyx.AnalyzerResource{}
				for _, ra := range ofType(resources, "authorization:RoleAssignment") {
					for _, id := range principalDeps(ra) {
						if identities[id] {
							grantsOf[id] = append(grantsOf[id], ra)
						}
					}
				}
				for _, c := range resources {
					if !matchesAny(c.Type, grantConsumers) {
						continue
					}
					for _, id := range identityDeps(c) {
						for _, ra := range grantsOf[id] {
							if !dependsThroughParents(c, ra.URN, byURN) {
								report(c.URN, "%q acts as identity %q but may be created before that identity's role assignment %q (%s) exists: "+
									"pass pulumi.DependsOn with the assignment to it or to its component, so Azure sees the grant before the resource uses it",
									c.Name, urnName(id), ra.Name, roleOf(ra))
							}
						}
					}
				}
			},
		}.policy(),
	}
}

// principalDeps are the resources a role assignment's principalId was
// computed from (all its dependencies when the engine sends no
// per-property ones).
func principalDeps(ra policyx.AnalyzerResource) []string {
	if deps, ok := ra.PropertyDependencies["principalId"]; ok {
		return deps
	}
	return ra.Dependencies
}

// identityDeps are the resources a consumer's identity input was computed
// from: the identities it runs as.
func identityDeps(r policyx.AnalyzerResource) []string {
	if len(r.PropertyDependencies) > 0 {
		return r.PropertyDependencies["identity"]
	}
	return r.Dependencies
}

// dependsThroughParents reports whether r, or any component above it,
// depends on urn. Children register only after their parent, which waits
// for its own dependencies, so a parent's dependency orders its children too.
func dependsThroughParents(r policyx.AnalyzerResource, urn string, byURN map[string]policyx.AnalyzerResource) bool {
	for seen := 0; seen < len(byURN)+1; seen++ {
		if slices.Contains(r.Dependencies, urn) {
			return true
		}
		parent, ok := byURN[r.Parent]
		if !ok {
			return false
		}
		r = parent
	}
	return false
}

// roleOf names the role a role assignment grants, when it is a known id.
func roleOf(ra policyx.AnalyzerResource) string {
	id, ok := get(ra.Properties, "roleDefinitionId").str()
	if !ok {
		return "role not known yet"
	}
	guid := strings.ToLower(id[strings.LastIndex(id, "/")+1:])
	if name, ok := knownRoles[guid]; ok {
		return name
	}
	return "role " + guid
}

// knownRoles are the data roles the platform grants (azure-docs
// role-based-access-control/built-in-roles.md), for readable messages.
var knownRoles = map[string]string{
	"7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
	"4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
	"b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
	"ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
	"974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
	"48e5e92e-a480-4e71-aa9c-2778f4c13781": "Azure Batch Job Submitter",
}

// urnName is the logical name at the end of a URN.
func urnName(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}
