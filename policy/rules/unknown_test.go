package rules_test

import (
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
)

// During `pulumi preview` inputs computed from other resources are unknown.
// A rule must hold its judgement then: each case makes the input a rule
// judges unknown, on top of a mistake the rule would otherwise report.
func TestUnknownInputsAreNotViolations(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(fixtures)
	}{
		{"shared key access", func(f fixtures) { f["st"].set("allowSharedKeyAccess", unknownValue()) }},
		{"TLS version", func(f fixtures) { f["st"].set("minimumTlsVersion", unknownOutput()) }},
		{"vault tags decide prod", func(f fixtures) {
			f["kv"].del("properties.enablePurgeProtection").set("tags", unknownOutput())
		}},
		{"purge protection", func(f fixtures) { f["kv"].set("properties.enablePurgeProtection", unknownValue()) }},
		{"vault properties as a whole", func(f fixtures) { f["kv"].set("properties", unknownValue()) }},
		{"GPU app profile", func(f fixtures) {
			f["inference"].set("workloadProfileName", unknownOutput()).set("configuration.ingress.external", true).
				set("configuration.ingress.allowInsecure", false).set("template.scale.minReplicas", 1)
		}},
		{"max replicas", func(f fixtures) { f["router"].set("template.scale.maxReplicas", unknownValue()) }},
		{"env value", func(f fixtures) {
			f["router"].appendTo("template.containers.0.env", map[string]any{"name": "STORAGE_KEY", "value": unknownOutput()})
		}},
		{"pool formula", func(f fixtures) { f["pool"].set("scaleSettings.autoScale.formula", unknownOutput()) }},
		{"pool scale settings", func(f fixtures) { f["pool"].set("scaleSettings", unknownValue()) }},
		{"batch auth modes", func(f fixtures) { f["batch"].set("allowedAuthenticationModes", unknownValue()) }},
		{"auto-storage mode", func(f fixtures) { f["batch"].set("autoStorage.authenticationMode", unknownOutput()) }},
		{"registry tags", func(f fixtures) { f["acr"].set("adminUserEnabled", true).set("tags", unknownValue()) }},
		{"role definition", func(f fixtures) { f["acrpull"].set("roleDefinitionId", unknownOutput()) }},
		{"retention", func(f fixtures) { f["log"].set("retentionInDays", unknownValue()) }},
		{"budget notifications", func(f fixtures) { f["budget"].set("notifications", unknownValue()) }},
		{"action group receivers", func(f fixtures) { f["ag"].set("emailReceivers", unknownOutput()) }},
		{"all tags", func(f fixtures) { f["id"].set("tags", unknownOutput()) }},
		{"public network access", func(f fixtures) { f["st"].set("publicNetworkAccess", unknownOutput()) }},
		{"pool network", func(f fixtures) { f["pool"].set("networkConfiguration", unknownValue()) }},
		{"pool IP provisioning", func(f fixtures) {
			f["pool"].set("networkConfiguration.publicIPAddressConfiguration.provision", unknownOutput())
		}},
		{"one tag", func(f fixtures) { f["st"].set("tags.stack", unknownValue()) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := baseline()
			c.mutate(fs)
			for _, v := range fs.evaluate(t, check.Options{}) {
				t.Errorf("judged an unknown input: %s", v)
			}
		})
	}
}

// The unknown cases above would fire once the value is known: the same
// mistakes with known values are violations.
func TestKnownCounterpartsOfUnknownCasesFire(t *testing.T) {
	fs := baseline()
	fs["inference"].set("configuration.ingress.external", true).set("configuration.ingress.allowInsecure", false)
	fs["router"].appendTo("template.containers.0.env", map[string]any{"name": "STORAGE_KEY", "value": "abc"})
	fs["acr"].set("adminUserEnabled", true)
	got := map[string]bool{}
	for _, v := range fs.evaluate(t, check.Options{}) {
		got[v.Policy] = true
	}
	for _, p := range []string{"gpu-app-internal-ingress", "containerapp-no-plain-secrets", "acr-admin-user-off-prod"} {
		if !got[p] {
			t.Errorf("%s did not fire on the known value", p)
		}
	}
}
