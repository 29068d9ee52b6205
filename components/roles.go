package components

import (
	"crypto/sha256"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Built-in role definition ids (azure-docs role-based-access-control/built-in-roles.md).
const (
	RoleAcrPull             = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
	RoleKeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6"
	// RoleKeyVaultSecretsOfficer performs any action on secrets but manage
	// permissions; assigned on one secret, it writes that secret only
	// (azure-docs key-vault/general/rbac-guide.md: built-in roles, and
	// role assignments at the scope of an individual secret).
	RoleKeyVaultSecretsOfficer      = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
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
	RoleKeyVaultSecretsOfficer:      "Key Vault Secrets Officer",
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

// assignRoles declares the grants and returns them, for the resources that
// use them to depend on (policy grant-consumers-depend-on-grants).
//
// A role assignment's name must be unique within the whole Microsoft Entra
// tenant, whatever its scope (azure-docs
// role-based-access-control/role-assignments.md): names are GUIDs of scope,
// principal and role — what Bicep templates write as
// guid(scope, principalId, roleDefinitionId) — so a second stack of the
// same name in another resource group or subscription gets other names, and
// a redeploy keeps them. Azure also allows one assignment per (principal,
// role, scope): a replacement must delete the old one first.
func assignRoles(ctx *pulumi.Context, subscriptionID string, grants []grant, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	var out []pulumi.Resource
	for _, g := range grants {
		roleDefinitionID := fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", subscriptionID, g.roleID)
		name := pulumi.All(g.scope, g.principalID).ApplyT(func(v []any) string {
			return stableGUID(v[0].(string) + "|" + v[1].(string) + "|" + roleDefinitionID)
		}).(pulumi.StringOutput)
		ra, err := authorization.NewRoleAssignment(ctx, "ra-"+g.name, &authorization.RoleAssignmentArgs{
			RoleAssignmentName: name,
			PrincipalId:        g.principalID,
			PrincipalType:      pulumi.String("ServicePrincipal"),
			RoleDefinitionId:   pulumi.String(roleDefinitionID),
			Scope:              g.scope,
			Description:        pulumi.String(g.name),
		}, append(opts, pulumi.DeleteBeforeReplace(true))...)
		if err != nil {
			return nil, fmt.Errorf("role assignment %s: %w", g.name, err)
		}
		out = append(out, ra)
	}
	return out, nil
}

// stableGUID formats a SHA-256 of s as a version-5-shaped GUID.
func stableGUID(s string) string {
	h := sha256.Sum256([]byte(s))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
