package components

import (
	"crypto/sha256"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Built-in role definition ids (azure-docs role-based-access-control/built-in-roles.md).
const (
	RoleAcrPull                     = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
	RoleKeyVaultSecretsUser         = "4633458b-17de-408a-b874-0445c86b69e6"
	RoleStorageBlobDataContributor  = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
	RoleStorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
	// RoleBatchJobSubmitter grants the Batch data actions on jobs and their
	// tasks (jobs/*, jobSchedules/*) and nothing on pools or the account: the
	// least-privileged built-in role that lets the router add jobs and tasks
	// (azure-docs batch/batch-role-based-access-control.md).
	RoleBatchJobSubmitter = "48e5e92e-a480-4e71-aa9c-2778f4c13781"
)

// RoleNames reads the role ids back for tests and reviews.
var RoleNames = map[string]string{
	RoleAcrPull:                     "AcrPull",
	RoleKeyVaultSecretsUser:         "Key Vault Secrets User",
	RoleStorageBlobDataContributor:  "Storage Blob Data Contributor",
	RoleStorageQueueDataContributor: "Storage Queue Data Contributor",
	RoleBatchJobSubmitter:           "Azure Batch Job Submitter",
}

// grant is one role assignment: who gets which role where.
type grant struct {
	name        string // logical, stable across deploys: "<principal>-<role>-<scope>"
	principalID pulumi.StringInput
	roleID      string
	scope       pulumi.StringInput
}

// assignRoles declares the grants. Assignment names are GUIDs derived from
// the stack and the grant's logical name, so a redeploy keeps them and two
// stacks never collide.
func assignRoles(ctx *pulumi.Context, stack, subscriptionID string, grants []grant, opts ...pulumi.ResourceOption) error {
	for _, g := range grants {
		if _, err := authorization.NewRoleAssignment(ctx, "ra-"+g.name, &authorization.RoleAssignmentArgs{
			RoleAssignmentName: pulumi.String(stableGUID(stack + "/" + g.name)),
			PrincipalId:        g.principalID,
			PrincipalType:      pulumi.String("ServicePrincipal"),
			RoleDefinitionId:   pulumi.String(fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", subscriptionID, g.roleID)),
			Scope:              g.scope,
			Description:        pulumi.String(g.name),
		}, opts...); err != nil {
			return fmt.Errorf("role assignment %s: %w", g.name, err)
		}
	}
	return nil
}

// stableGUID formats a SHA-256 of s as a version-5-shaped GUID.
func stableGUID(s string) string {
	h := sha256.Sum256([]byte(s))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
