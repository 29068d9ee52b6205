package rules

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

func registryPolicies() []policyx.Policy {
	return []policyx.Policy{
		resourceRule{
			name:        "acr-admin-user-off-prod",
			description: "Production registries (tag environment or stack = prod) have the admin user off: pulls use AcrPull identities.",
			level:       mandatory,
			types:       []string{"containerregistry:Registry"},
			check: func(t target, report func(string, ...any)) {
				if prod, known := isProd(t.Props); !known || !prod {
					return
				}
				if v, ok := get(t.Props, "adminUserEnabled").boolean(); ok && v {
					report("container registry %q is tagged prod: set adminUserEnabled to false and give the apps and the Batch pool AcrPull through their managed identities", t.Name)
				}
			},
		}.policy(),
	}
}
