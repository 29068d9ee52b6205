package rules

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

// Key Vault holds the router's settings; access is by Azure RBAC so that role
// assignments, not access policies, decide who reads what.
func keyVaultPolicies() []policyx.Policy {
	return []policyx.Policy{
		resourceRule{
			name:        "keyvault-rbac",
			description: "Key Vaults authorize with Azure RBAC, not access policies.",
			level:       mandatory,
			types:       []string{"keyvault:Vault"},
			check: func(t target, report func(string, ...any)) {
				requireBool(t, report, true, "properties.enableRbacAuthorization",
					"and grant Key Vault Secrets User to the identities that read settings")
				if n := len(get(t.Props, "properties", "accessPolicies").items()); n > 0 {
					report("key vault %q: remove its %d access policies; with RBAC they are ignored and mislead readers", t.Name, n)
				}
			},
		}.policy(),
		resourceRule{
			name:        "keyvault-soft-delete",
			description: "Key Vaults keep deleted secrets recoverable (soft delete, 7 to 90 days).",
			level:       mandatory,
			types:       []string{"keyvault:Vault"},
			check: func(t target, report func(string, ...any)) {
				if v, ok := get(t.Props, "properties", "enableSoftDelete").boolean(); ok && !v {
					report("key vault %q: set properties.enableSoftDelete to true (it is false)", t.Name)
				}
				if d, ok := get(t.Props, "properties", "softDeleteRetentionInDays").number(); ok && (d < 7 || d > 90) {
					report("key vault %q: set properties.softDeleteRetentionInDays between 7 and 90 (it is %v)", t.Name, d)
				}
			},
		}.policy(),
		resourceRule{
			name:        "keyvault-purge-protection-prod",
			description: "Production Key Vaults (tag environment or stack = prod) have purge protection on.",
			level:       mandatory,
			types:       []string{"keyvault:Vault"},
			check: func(t target, report func(string, ...any)) {
				if prod, known := isProd(t.Props); !known || !prod {
					return
				}
				f := get(t.Props, "properties", "enablePurgeProtection")
				if f.unknown() {
					return
				}
				if v, _ := f.boolean(); !v {
					report("key vault %q is tagged prod: set properties.enablePurgeProtection to true, e.g. config keyVaultPurgeProtection: true (it is %s)", t.Name, describe(f))
				}
			},
		}.policy(),
	}
}
