package rules

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// privilegedRoles are built-in roles that can change anything or grant
// access; the platform's identities need data roles at the narrowest scope.
// Ids from the Azure built-in roles reference (learn.microsoft.com
// azure/role-based-access-control/built-in-roles/general; azadvertizer for
// User Access Administrator).
var privilegedRoles = map[string]string{
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
}

func accessPolicies() []policyx.Policy {
	return []policyx.Policy{
		resourceRule{
			name:        "no-privileged-role-assignment",
			description: "No role assignment grants Owner, Contributor or User Access Administrator.",
			level:       mandatory,
			types:       []string{"authorization:RoleAssignment"},
			check: func(t target, report func(string, ...any)) {
				id, ok := get(t.Props, "roleDefinitionId").str()
				if !ok {
					return
				}
				guid := strings.ToLower(id[strings.LastIndex(id, "/")+1:])
				if role, bad := privilegedRoles[guid]; bad {
					report("role assignment %q grants %s: assign the narrow data role the identity needs (e.g. Storage Queue Data Message Processor, Key Vault Secrets User, AcrPull) at the resource's scope", t.Name, role)
				}
			},
		}.policy(),
	}
}
