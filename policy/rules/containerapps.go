package rules

import (
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// defaultMaxReplicasLimit bounds every app's maxReplicas unless the policy's
// configuration says otherwise; for the GPU app each replica is one GPU.
const defaultMaxReplicasLimit = 30

func containerAppPolicies() []policyx.Policy {
	return []policyx.Policy{
		stackRule{
			name: "gpu-app-internal-ingress",
			description: "An app pinned to a GPU workload profile is reachable only inside its environment " +
				"(ingress.external false): clients go through the router, which authenticates and decides.",
			level: mandatory,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				profiles := gpuProfiles(resources)
				for _, app := range ofType(resources, "app:ContainerApp") {
					if !onGPU(app.Properties, profiles) {
						continue
					}
					ext := get(app.Properties, "configuration", "ingress", "external")
					if v, ok := ext.boolean(); ok && v {
						report(app.URN, "container app %q runs on GPU profile %q: set configuration.ingress.external to false and let the router forward to it",
							app.Name, profileName(app.Properties))
					}
				}
			},
		}.policy(),
		stackRule{
			name: "gpu-profile-only-where-needed",
			description: "Every GPU workload profile an environment declares is used by an app; " +
				"an unused GPU profile holds quota (and, for dedicated profiles, billed nodes) for nothing.",
			level: advisory,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				used := map[string]bool{}
				for _, app := range ofType(resources, "app:ContainerApp") {
					f := get(app.Properties, "workloadProfileName")
					if f.unknown() {
						return // cannot tell which profiles are used yet
					}
					if name, ok := f.str(); ok {
						used[name] = true
					}
				}
				for _, env := range ofType(resources, "app:ManagedEnvironment") {
					for _, p := range get(env.Properties, "workloadProfiles").items() {
						name, _ := getValue(p, "name").str()
						typ, _ := getValue(p, "workloadProfileType").str()
						if isGPUProfileType(typ) && name != "" && !used[name] {
							report(env.URN, "environment %q declares GPU profile %q (%s) but no app is pinned to it: remove the profile or set the inference app's workloadProfileName to %q",
								env.Name, name, typ, name)
						}
					}
				}
			},
		}.policy(),
		stackRule{
			name:        "gpu-app-scales-to-zero",
			description: "GPU apps scale to zero (minReplicas 0): a warm replica bills a whole GPU around the clock.",
			level:       advisory,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				profiles := gpuProfiles(resources)
				for _, app := range ofType(resources, "app:ContainerApp") {
					if !onGPU(app.Properties, profiles) {
						continue
					}
					if n, ok := get(app.Properties, "template", "scale", "minReplicas").number(); ok && n > 0 {
						report(app.URN, "container app %q keeps %v GPU replica(s) warm: set template.scale.minReplicas to 0 (config inferenceMinReplicas) unless cold starts are unacceptable",
							app.Name, n)
					}
				}
			},
		}.policy(),
		resourceRule{
			name:        "containerapp-external-https-only",
			description: "Apps with external ingress (the router) accept HTTPS only: allowInsecure is not true.",
			level:       mandatory,
			types:       []string{"app:ContainerApp"},
			check: func(t target, report func(string, ...any)) {
				if ext, ok := get(t.Props, "configuration", "ingress", "external").boolean(); !ok || !ext {
					return
				}
				if v, ok := get(t.Props, "configuration", "ingress", "allowInsecure").boolean(); ok && v {
					report("container app %q has external ingress: set configuration.ingress.allowInsecure to false so HTTP is redirected to HTTPS", t.Name)
				}
			},
		}.policy(),
		resourceRule{
			name: "containerapp-no-plain-secrets",
			description: "No secret-looking plain environment values (keys, passwords, tokens, connection strings, SAS): " +
				"use a managed identity, or secretRef to a Key Vault reference.",
			level: mandatory,
			types: []string{"app:ContainerApp"},
			check: func(t target, report func(string, ...any)) {
				for _, c := range containersOf(t.Props) {
					for _, env := range getValue(c.value, "env").items() {
						name, _ := getValue(env, "name").str()
						val := getValue(env, "value")
						if val.absent() || val.unknown() {
							continue
						}
						text, _ := val.str()
						if secretLikeName(name) || secretLikeValue(text) {
							report("container app %q, container %q: env %s holds a plain value that looks like a secret; use a managed identity or move it to a Key Vault-backed secret and set secretRef",
								t.Name, c.name, name)
						}
					}
				}
			},
		}.policy(),
		resourceRule{
			name:        "containerapp-max-replicas-bounded",
			description: "Every app sets template.scale.maxReplicas, at most the configured limit (default 30).",
			level:       mandatory,
			types:       []string{"app:ContainerApp"},
			schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
				"limit": {"type": "integer", "minimum": 1, "default": defaultMaxReplicasLimit,
					"description": "Largest maxReplicas allowed on any app."},
			}},
			check: func(t target, report func(string, ...any)) {
				limit := float64(defaultMaxReplicasLimit)
				if v, ok := t.Config["limit"].(float64); ok && v >= 1 {
					limit = v
				}
				f := get(t.Props, "template", "scale", "maxReplicas")
				if f.unknown() {
					return
				}
				n, ok := f.number()
				switch {
				case !ok:
					report("container app %q: set template.scale.maxReplicas (at most %v); unset, Azure allows 10 replicas, each a GPU on a GPU profile", t.Name, limit)
				case n > limit:
					report("container app %q: lower template.scale.maxReplicas to at most %v (it is %v)", t.Name, limit, n)
				}
			},
		}.policy(),
		resourceRule{
			name:        "containerapp-secrets-from-keyvault",
			description: "App secrets are Key Vault references (keyVaultUrl + identity), not values stored in the app.",
			level:       advisory,
			types:       []string{"app:ContainerApp"},
			check: func(t target, report func(string, ...any)) {
				for _, s := range get(t.Props, "configuration", "secrets").items() {
					name, _ := getValue(s, "name").str()
					if !getValue(s, "value").absent() && getValue(s, "keyVaultUrl").absent() {
						report("container app %q: secret %q stores its value in the app; store it in Key Vault and reference it with keyVaultUrl and identity", t.Name, name)
					}
				}
			},
		}.policy(),
		resourceRule{
			name:        "containerapp-registry-identity",
			description: "Apps pull images with a managed identity (AcrPull), not a registry password.",
			level:       advisory,
			types:       []string{"app:ContainerApp"},
			check: func(t target, report func(string, ...any)) {
				for _, r := range get(t.Props, "configuration", "registries").items() {
					server, _ := getValue(r, "server").str()
					if !getValue(r, "passwordSecretRef").absent() && getValue(r, "identity").absent() {
						report("container app %q: registry %q is pulled with a password; set identity to a user-assigned identity with AcrPull and drop username/passwordSecretRef", t.Name, server)
					}
				}
			},
		}.policy(),
	}
}

// gpuProfiles maps workload profile names declared by the stack's
// environments to their types, GPU profiles only.
func gpuProfiles(resources []policyx.AnalyzerResource) map[string]string {
	out := map[string]string{}
	for _, env := range ofType(resources, "app:ManagedEnvironment") {
		for _, p := range get(env.Properties, "workloadProfiles").items() {
			name, _ := getValue(p, "name").str()
			typ, _ := getValue(p, "workloadProfileType").str()
			if name != "" && isGPUProfileType(typ) {
				out[name] = typ
			}
		}
	}
	return out
}

// isGPUProfileType: serverless GPU types are Consumption-GPU-*
// (azure-docs container-apps/workload-profiles-overview.md); dedicated GPU
// types are the NC* sizes (e.g. NC24-A100).
func isGPUProfileType(typ string) bool {
	u := strings.ToUpper(typ)
	return strings.HasPrefix(u, "CONSUMPTION-GPU-") || strings.HasPrefix(u, "NC")
}

func profileName(props property.Map) string {
	s, _ := get(props, "workloadProfileName").str()
	return s
}

func onGPU(props property.Map, gpu map[string]string) bool {
	_, ok := gpu[profileName(props)]
	return ok
}

type container struct {
	name  string
	value property.Value
}

// containersOf lists the app's containers and init containers.
func containersOf(props property.Map) []container {
	var out []container
	for _, key := range []string{"containers", "initContainers"} {
		for _, c := range get(props, "template", key).items() {
			name, _ := getValue(c, "name").str()
			out = append(out, container{name: name, value: c})
		}
	}
	return out
}

var (
	nameToken     = regexp.MustCompile(`[A-Za-z0-9]+`)
	camelBoundary = regexp.MustCompile(`([a-z0-9])([A-Z])`) // storageAccountKey -> storage_Account_Key
)

// Words that make a variable name secret-looking alone, or as a pair.
var (
	secretWords = map[string]bool{
		"SECRET": true, "SECRETS": true, "PASSWORD": true, "PASSWD": true, "PWD": true,
		"TOKEN": true, "APIKEY": true, "ACCOUNTKEY": true, "ACCESSKEY": true, "PRIVATEKEY": true,
		"CONNSTR": true, "CONNECTIONSTRING": true, "SAS": true, "CREDENTIAL": true, "CREDENTIALS": true,
	}
	secretPairs = map[[2]string]bool{
		{"API", "KEY"}: true, {"ACCOUNT", "KEY"}: true, {"ACCESS", "KEY"}: true, {"PRIVATE", "KEY"}: true,
		{"SHARED", "KEY"}: true, {"MASTER", "KEY"}: true, {"STORAGE", "KEY"}: true, {"PRIMARY", "KEY"}: true,
		{"SECONDARY", "KEY"}: true, {"CONNECTION", "STRING"}: true, {"CLIENT", "SECRET"}: true,
	}
	// Words that say the variable names or locates a secret rather than holds it.
	referenceWords = map[string]bool{
		"HASH": true, "URL": true, "URI": true, "ENDPOINT": true, "FILE": true, "PATH": true,
		"NAME": true, "ID": true, "HEADER": true, "REF": true, "VERSION": true,
	}
)

// secretLikeName: API_KEY, DB_PASSWORD, storageAccountKey are; KEY_VAULT_URI,
// API_KEY_HASH, AZURE_FEDERATED_TOKEN_FILE are not.
func secretLikeName(name string) bool {
	var words []string
	name = camelBoundary.ReplaceAllString(name, "${1}_${2}")
	for _, w := range nameToken.FindAllString(name, -1) {
		words = append(words, strings.ToUpper(w))
	}
	secret := false
	for i, w := range words {
		if referenceWords[w] {
			return false
		}
		if secretWords[w] || (i > 0 && secretPairs[[2]string{words[i-1], w}]) {
			secret = true
		}
	}
	return secret
}

var secretValue = regexp.MustCompile(`(?i)(AccountKey=|SharedAccessSignature=|SharedAccessKey=|Password=|-----BEGIN [A-Z ]*PRIVATE KEY|[?&]sig=[^&]+)`)

// secretLikeValue: connection strings with keys, SAS URLs, private keys.
func secretLikeValue(v string) bool {
	return secretValue.MatchString(v)
}
