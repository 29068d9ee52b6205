package rules_test

import (
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	"github.com/gpu-orchestration/gpu-orchestration/policy/rules"
)

// The compliant platform passes every rule, advisory ones included: each
// firing case below is therefore caused by its mutation alone.
func TestBaselinePlatformPasses(t *testing.T) {
	for _, v := range baseline().evaluate(t, check.Options{}) {
		t.Errorf("baseline violates %s", v)
	}
}

type ruleCase struct {
	name   string
	policy string         // the policy that must fire ("" when nothing may fire)
	mutate func(fixtures) // one realistic mistake
	want   []string       // substrings of the message
	opts   check.Options
}

var ruleCases = []ruleCase{
	// storage
	{"https off", "storage-https-only", func(f fixtures) { f["st"].set("enableHttpsTrafficOnly", false) },
		[]string{`storage account "gpuorch-st": set enableHttpsTrafficOnly to true`, "(it is false)"}, check.Options{}},
	{"https left to the default", "storage-https-only", func(f fixtures) { f["st"].del("enableHttpsTrafficOnly") },
		[]string{"set enableHttpsTrafficOnly to true", "(it is unset)"}, check.Options{}},
	{"TLS 1.0", "storage-tls-1-2", func(f fixtures) { f["st"].set("minimumTlsVersion", "TLS1_0") },
		[]string{`set minimumTlsVersion to "TLS1_2" (it is "TLS1_0")`}, check.Options{}},
	{"public blobs allowed", "storage-no-public-blob-access", func(f fixtures) { f["st"].set("allowBlobPublicAccess", true) },
		[]string{"set allowBlobPublicAccess to false"}, check.Options{}},
	{"public container", "storage-no-public-blob-access", func(f fixtures) { f["results"].set("publicAccess", "Container") },
		[]string{`blob container "gpuorch-results": set publicAccess to "None" (it is "Container")`}, check.Options{}},
	{"shared keys on", "storage-shared-key-off", func(f fixtures) { f["st"].set("allowSharedKeyAccess", true) },
		[]string{"set allowSharedKeyAccess to false", "managed identity"}, check.Options{}},
	// Front Door (the global stack)
	{"route forwards over HTTP", "frontdoor-https-only", func(f fixtures) { f["route"].set("forwardingProtocol", "MatchRequest") },
		[]string{`front door route "gpuorch-frontdoor-route": set forwardingProtocol to HttpsOnly (it is MatchRequest)`}, check.Options{}},
	{"route accepts HTTP", "frontdoor-https-only", func(f fixtures) { f["route"].set("supportedProtocols", []any{"Http", "Https"}) },
		[]string{`front door route "gpuorch-frontdoor-route" accepts HTTP: set supportedProtocols to [Https], or httpsRedirect to Enabled`}, check.Options{}},
	{"route takes Azure's default protocols", "frontdoor-https-only", func(f fixtures) { f["route"].del("supportedProtocols") },
		[]string{"accepts HTTP"}, check.Options{}},
	{"HTTP redirected to HTTPS is fine", "", func(f fixtures) {
		f["route"].set("supportedProtocols", []any{"Http", "Https"}).set("httpsRedirect", "Enabled")
	}, nil, check.Options{}},
	{"origin certificate unchecked", "frontdoor-https-only", func(f fixtures) { f["origin westus3"].set("enforceCertificateNameCheck", false) },
		[]string{`front door origin "gpuorch-frontdoor-origin-westus3": set enforceCertificateNameCheck to true`}, check.Options{}},
	{"probes on /healthz", "frontdoor-probes-readyz", func(f fixtures) { f["og"].set("healthProbeSettings.probePath", "/healthz") },
		[]string{`front door origin group "gpuorch-frontdoor-routers" probes /healthz: set healthProbeSettings.probePath to /readyz`}, check.Options{}},
	{"probes over HTTP", "frontdoor-probes-readyz", func(f fixtures) { f["og"].set("healthProbeSettings.probeProtocol", "Http") },
		[]string{"probes over Http: set healthProbeSettings.probeProtocol to Https"}, check.Options{}},
	{"no probes at all", "frontdoor-probes-readyz", func(f fixtures) { f["og"].del("healthProbeSettings") },
		[]string{`front door origin group "gpuorch-frontdoor-routers" has no health probe`}, check.Options{}},
	{"origin outside any group", "frontdoor-origins-probed", func(f fixtures) { f["origin westus3"].deps = []string{"afd"} },
		[]string{`front door origin "gpuorch-frontdoor-origin-westus3" belongs to no origin group of this stack`}, check.Options{}},
	{"firewall only detects", "frontdoor-waf-prevention", func(f fixtures) { f["waf"].set("policySettings.mode", "Detection") },
		[]string{`front door endpoint "gpuorch-frontdoor-endpoint" has no firewall in Prevention mode`}, check.Options{}},
	{"endpoint without security policy", "frontdoor-waf-prevention", func(f fixtures) { delete(f, "security") },
		[]string{`front door endpoint "gpuorch-frontdoor-endpoint" has no firewall in Prevention mode`}, check.Options{}},
	{"untagged profile", "required-tags", func(f fixtures) { f["afd"].del("tags") },
		[]string{`add tags project, stack, managed-by`}, check.Options{}},
	// Key Vault
	{"vault access policies", "keyvault-rbac", func(f fixtures) {
		f["kv"].set("properties.enableRbacAuthorization", false)
	}, []string{`key vault "gpuorch-kv": set properties.enableRbacAuthorization to true`}, check.Options{}},
	{"vault keeps access policies beside RBAC", "keyvault-rbac", func(f fixtures) {
		f["kv"].set("properties.accessPolicies", []any{map[string]any{"objectId": "x", "tenantId": "y"}})
	}, []string{"remove its 1 access policies"}, check.Options{}},
	{"soft delete off", "keyvault-soft-delete", func(f fixtures) { f["kv"].set("properties.enableSoftDelete", false) },
		[]string{"set properties.enableSoftDelete to true"}, check.Options{}},
	{"soft delete too short", "keyvault-soft-delete", func(f fixtures) { f["kv"].set("properties.softDeleteRetentionInDays", 3) },
		[]string{"softDeleteRetentionInDays between 7 and 90 (it is 3)"}, check.Options{}},
	{"prod vault without purge protection", "keyvault-purge-protection-prod", func(f fixtures) {
		f["kv"].del("properties.enablePurgeProtection")
	}, []string{`key vault "gpuorch-kv" is tagged prod: set properties.enablePurgeProtection to true`, "keyVaultPurgeProtection"}, check.Options{}},
	{"dev vault without purge protection is fine", "", func(f fixtures) {
		f["kv"].del("properties.enablePurgeProtection").set("tags", tags("dev"))
	}, nil, check.Options{}},
	// Container Apps
	{"GPU app exposed", "gpu-app-internal-ingress", func(f fixtures) {
		f["inference"].set("configuration.ingress.external", true).set("configuration.ingress.allowInsecure", false)
	}, []string{`container app "gpuorch-inference" runs on GPU profile "gpu": set configuration.ingress.external to false`}, check.Options{}},
	{"unused GPU profile", "gpu-profile-only-where-needed", func(f fixtures) {
		f["env"].appendTo("workloadProfiles", map[string]any{"name": "gpu-t4", "workloadProfileType": "Consumption-GPU-NC8as-T4"})
	}, []string{`environment "gpuorch-cae" declares GPU profile "gpu-t4" (Consumption-GPU-NC8as-T4) but no app is pinned to it`}, check.Options{}},
	{"warm GPU", "gpu-app-scales-to-zero", func(f fixtures) { f["inference"].set("template.scale.minReplicas", 1) },
		[]string{`container app "gpuorch-inference" keeps 1 GPU replica(s) warm: set template.scale.minReplicas to 0`}, check.Options{}},
	{"router over HTTP", "containerapp-external-https-only", func(f fixtures) {
		f["router"].set("configuration.ingress.allowInsecure", true)
	}, []string{`container app "gpuorch-router" has external ingress: set configuration.ingress.allowInsecure to false`}, check.Options{}},
	{"connection string in env", "containerapp-no-plain-secrets", func(f fixtures) {
		f["router"].appendTo("template.containers.0.env", map[string]any{
			"name": "QUEUE_CONNECTION_STRING", "value": "DefaultEndpointsProtocol=https;AccountName=st;AccountKey=c2VjcmV0"})
	}, []string{`container app "gpuorch-router", container "router": env QUEUE_CONNECTION_STRING holds a plain value that looks like a secret`}, check.Options{}},
	{"SAS URL under an innocent name", "containerapp-no-plain-secrets", func(f fixtures) {
		f["inference"].appendTo("template.containers.0.env", map[string]any{
			"name": "MODEL_URL", "value": "https://st.blob.core.windows.net/models/m.bin?sv=2024-11-04&sr=b&sig=abc%3D"})
	}, []string{"env MODEL_URL holds a plain value"}, check.Options{}},
	{"API key by name", "containerapp-no-plain-secrets", func(f fixtures) {
		f["router"].appendTo("template.containers.0.env", map[string]any{"name": "ADMIN_API_KEY", "value": "k-123"})
	}, []string{"env ADMIN_API_KEY"}, check.Options{}},
	{"secretRef is fine", "", func(f fixtures) {
		f["router"].appendTo("template.containers.0.env", map[string]any{"name": "DB_PASSWORD", "secretRef": "db-password"})
	}, nil, check.Options{}},
	{"too many replicas", "containerapp-max-replicas-bounded", func(f fixtures) { f["router"].set("template.scale.maxReplicas", 100) },
		[]string{`container app "gpuorch-router": lower template.scale.maxReplicas to at most 30 (it is 100)`}, check.Options{}},
	{"replicas left to the default", "containerapp-max-replicas-bounded", func(f fixtures) { f["inference"].del("template.scale.maxReplicas") },
		[]string{`container app "gpuorch-inference": set template.scale.maxReplicas (at most 30)`}, check.Options{}},
	{"replica limit from policy config", "containerapp-max-replicas-bounded", func(fixtures) {},
		[]string{"lower template.scale.maxReplicas to at most 4 (it is 8)", "at most 4 (it is 10)"},
		check.Options{Config: map[string]map[string]any{"containerapp-max-replicas-bounded": {"limit": 4.0}}}},
	{"secret value stored in the app", "containerapp-secrets-from-keyvault", func(f fixtures) {
		f["router"].appendTo("configuration.secrets", map[string]any{"name": "acr-password", "value": "p"})
	}, []string{`container app "gpuorch-router": secret "acr-password" stores its value in the app`}, check.Options{}},
	{"registry password", "containerapp-registry-identity", func(f fixtures) {
		f["inference"].set("configuration.registries", []any{map[string]any{
			"server": "crgpuorchprod.azurecr.io", "username": "crgpuorchprod", "passwordSecretRef": "acr-password"}})
	}, []string{`registry "crgpuorchprod.azurecr.io" is pulled with a password`}, check.Options{}},
	// Batch
	{"retired NCv3", "batch-no-retired-vm-size", func(f fixtures) { f["pool"].set("vmSize", "Standard_NC6s_v3") },
		[]string{`batch pool "gpuorch-pool": Standard_NC6s_v3 is a retired size`, "Standard_NC4as_T4_v3"}, check.Options{}},
	{"retired NC v1", "batch-no-retired-vm-size", func(f fixtures) { f["pool"].set("vmSize", "Standard_NC24r") },
		[]string{"Standard_NC24r is a retired size"}, check.Options{}},
	{"Ubuntu 20.04 node agent", "batch-supported-node-agent", func(f fixtures) {
		f["pool"].set("deploymentConfiguration.virtualMachineConfiguration.nodeAgentSkuId", "batch.node.ubuntu 20.04")
	}, []string{`node agent "batch.node.ubuntu 20.04" is no longer supported`}, check.Options{}},
	{"fixed pool", "batch-autoscale", func(f fixtures) {
		f["pool"].set("scaleSettings", map[string]any{"fixedScale": map[string]any{"targetLowPriorityNodes": 2}})
	}, []string{"replace scaleSettings.fixedScale with scaleSettings.autoScale"}, check.Options{}},
	{"no scale settings at all", "batch-autoscale", func(f fixtures) { f["pool"].del("scaleSettings") },
		[]string{"set scaleSettings.autoScale.formula"}, check.Options{}},
	{"evaluation too often", "batch-autoscale", func(f fixtures) { f["pool"].set("scaleSettings.autoScale.evaluationInterval", "PT1M") },
		[]string{"raise scaleSettings.autoScale.evaluationInterval to at least PT5M (it is PT1M)"}, check.Options{}},
	{"recipe formula on dedicated nodes", "batch-spot-when-asked", func(f fixtures) {
		f["pool"].set("scaleSettings.autoScale.formula",
			"$TargetDedicatedNodes = min($PendingTasks.GetSample(180 * TimeInterval_Second, 70 * TimeInterval_Second), 4);")
	}, []string{"never sets $TargetLowPriorityNodes", "sets $TargetDedicatedNodes = min($PendingTasks.GetSample(180 * TimeInterval_Second, 70 * TimeInterval_Second), 4)"}, check.Options{}},
	{"commented-out dedicated nodes do not count", "", func(f fixtures) {
		f["pool"].set("scaleSettings.autoScale.formula", "// was: $TargetDedicatedNodes = 4;\n/* $TargetDedicatedNodes = $x; */\n"+spotFormula)
	}, nil, check.Options{}},
	{"shared key on Batch", "batch-no-shared-key", func(f fixtures) {
		f["batch"].set("allowedAuthenticationModes", []any{"AAD", "SharedKey"})
	}, []string{`batch account "gpuorch-batch": remove "SharedKey" from allowedAuthenticationModes`}, check.Options{}},
	{"Batch auth modes unset", "batch-no-shared-key", func(f fixtures) { f["batch"].del("allowedAuthenticationModes") },
		[]string{`set allowedAuthenticationModes to ["AAD"]`}, check.Options{}},
	{"auto-storage with keys", "batch-no-shared-key", func(f fixtures) {
		f["batch"].set("autoStorage.authenticationMode", "StorageKeys")
	}, []string{`set autoStorage.authenticationMode to "BatchAccountManagedIdentity" (it is "StorageKeys")`}, check.Options{}},
	// registry
	{"ACR admin user in prod", "acr-admin-user-off-prod", func(f fixtures) { f["acr"].set("adminUserEnabled", true) },
		[]string{`container registry "gpuorch-acr" is tagged prod: set adminUserEnabled to false`}, check.Options{}},
	{"ACR admin user in dev is allowed", "", func(f fixtures) {
		f["acr"].set("adminUserEnabled", true).set("tags", tags("dev"))
	}, nil, check.Options{}},
	// network isolation (advisory here: the level follows networkIsolation, see network_test.go)
	{"public storage account", "network-public-access-off", func(f fixtures) { f["st"].set("publicNetworkAccess", "Enabled") },
		[]string{`storage account "gpuorch-st": set publicNetworkAccess to "Disabled" (it is "Enabled")`, "networkIsolation is off"}, check.Options{}},
	{"vault public access left to the default", "network-public-access-off", func(f fixtures) { f["kv"].del("properties.publicNetworkAccess") },
		[]string{`key vault "gpuorch-kv": set properties.publicNetworkAccess to "Disabled" (it is unset)`}, check.Options{}},
	{"public registry and Batch account", "network-public-access-off", func(f fixtures) {
		f["acr"].set("publicNetworkAccess", "Enabled")
		f["batch"].set("publicNetworkAccess", "Enabled")
	}, []string{`container registry "gpuorch-acr": set publicNetworkAccess`, `batch account "gpuorch-batch": set publicNetworkAccess`}, check.Options{}},
	{"no queue endpoint", "network-private-endpoints", func(f fixtures) { delete(f, "pe queue"); delete(f, "dns queue") },
		[]string{`storage account "gpuorch-st" has no private endpoint for sub-resource "queue"`}, check.Options{}},
	{"Batch endpoint for the account only", "network-private-endpoints", func(f fixtures) {
		f["pe nodeManagement"].set("privateLinkServiceConnections.0.groupIds", []any{"batchAccount"})
	}, []string{`batch account "gpuorch-batch" has no private endpoint for sub-resource "nodeManagement"`}, check.Options{}},
	{"private registry below Premium", "network-private-endpoints", func(f fixtures) { f["acr"].set("sku.name", "Standard") },
		[]string{`container registry "gpuorch-acr" has a private endpoint but SKU "Standard": private endpoints need the Premium SKU`}, check.Options{}},
	{"endpoint without DNS zone group", "network-private-dns", func(f fixtures) { delete(f, "dns vault") },
		[]string{`private endpoint "gpuorch-pe-vault" (vault) registers in no private DNS zone privatelink.vaultcore.azure.net`}, check.Options{}},
	{"zone group naming another service's zone", "network-private-dns", func(f fixtures) {
		f["dns blob"].deps = []string{"pe blob", "zone privatelink.queue.core.windows.net"}
	}, []string{`private endpoint "gpuorch-pe-blob" (blob) registers in no private DNS zone privatelink.blob.core.windows.net`}, check.Options{}},
	{"zone not linked to the network", "network-private-dns", func(f fixtures) { delete(f, "link privatelink.azurecr.io") },
		[]string{`private DNS zone privatelink.azurecr.io is not linked to the virtual network of private endpoint "gpuorch-pe-registry"`}, check.Options{}},
	{"pool nodes with public IPs", "batch-pool-no-public-ip", func(f fixtures) {
		f["pool"].set("networkConfiguration.publicIPAddressConfiguration.provision", "BatchManaged")
	}, []string{`batch pool "gpuorch-pool": set networkConfiguration.publicIPAddressConfiguration.provision to "NoPublicIPAddresses" (it is "BatchManaged")`}, check.Options{}},
	{"pool outside the network", "batch-pool-no-public-ip", func(f fixtures) { f["pool"].del("networkConfiguration") },
		[]string{`batch pool "gpuorch-pool": set networkConfiguration.subnetId`, `(it is unset)`}, check.Options{}},
	// access
	{"Owner", "no-privileged-role-assignment", func(f fixtures) {
		f["acrpull"].set("roleDefinitionId", "/subscriptions/0/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
	}, []string{`role assignment "gpuorch-acrpull" grants Owner`}, check.Options{}},
	{"Contributor, upper case", "no-privileged-role-assignment", func(f fixtures) {
		f["acrpull"].set("roleDefinitionId", "/providers/Microsoft.Authorization/roleDefinitions/B24988AC-6180-42A0-AB88-20F7382DD24C")
	}, []string{"grants Contributor"}, check.Options{}},
	{"User Access Administrator", "no-privileged-role-assignment", func(f fixtures) {
		f["acrpull"].set("roleDefinitionId", "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9")
	}, []string{"grants User Access Administrator"}, check.Options{}},
	// monitoring
	{"a week of logs", "log-retention-30-days", func(f fixtures) { f["log"].set("retentionInDays", 7) },
		[]string{`log analytics workspace "gpuorch-log": raise retentionInDays to at least 30`, "(config logRetentionDays; it is 7)"}, check.Options{}},
	{"no budget", "budget-and-alert-receiver", func(f fixtures) { delete(f, "budget") },
		[]string{"the stack declares no budget"}, check.Options{}},
	{"budget without notifications", "budget-and-alert-receiver", func(f fixtures) { f["budget"].set("notifications", map[string]any{}) },
		[]string{`budget "gpuorch-budget" has no notifications`}, check.Options{}},
	{"action group without receivers", "budget-and-alert-receiver", func(f fixtures) { f["ag"].set("emailReceivers", []any{}) },
		[]string{`action group "gpuorch-ag" has no receiver or is disabled`}, check.Options{}},
	{"action group disabled", "budget-and-alert-receiver", func(f fixtures) { f["ag"].set("enabled", false) },
		[]string{"has no receiver or is disabled", "set enabled to true"}, check.Options{}},
	// metrics
	{"Batch node count aggregated by Maximum", "metric-supported-aggregation", func(f fixtures) { f["alert"].set("criteria.allOf.0.timeAggregation", "Maximum") },
		[]string{`metric alert "gpuorch-alert-preempted": Microsoft.Batch/batchAccounts/PreemptedNodeCount supports Total, not Maximum`}, check.Options{}},
	{"alert on a metric Batch does not publish", "metric-supported-aggregation", func(f fixtures) { f["alert"].set("criteria.allOf.0.metricName", "TotalDedicatedNodeCount") },
		[]string{`has no metric "TotalDedicatedNodeCount"`}, check.Options{}},
	{"preview metric validated at creation", "metric-supported-aggregation", func(f fixtures) {
		f["alert"].set("criteria.allOf.0.metricNamespace", "Microsoft.App/containerApps").set("criteria.allOf.0.metricName", "GpuUtilizationPercentage").set("criteria.allOf.0.timeAggregation", "Average")
	}, []string{"GpuUtilizationPercentage is a preview metric: set skipMetricValidation"}, check.Options{}},
	{"workbook charts a metric that does not exist", "metric-supported-aggregation", func(f fixtures) {
		f["workbook"].set("serializedData", `{"items":[{"type":10,"content":{"title":"Batch nodes","metrics":[{"namespace":"microsoft.batch/batchaccounts","metric":"microsoft.batch/batchaccounts--TotalDedicatedNodeCount","aggregation":1}]}}]}`)
	}, []string{`workbook "gpuorch-workbook" chart "Batch nodes": microsoft.batch/batchaccounts has no metric "TotalDedicatedNodeCount"`}, check.Options{}},
	{"workbook charts a Batch count by its maximum", "metric-supported-aggregation", func(f fixtures) {
		f["workbook"].set("serializedData", `{"items":[{"type":10,"content":{"title":"Batch nodes","metrics":[{"namespace":"microsoft.batch/batchaccounts","metric":"microsoft.batch/batchaccounts--PreemptedNodeCount","aggregation":3}]}}]}`)
	}, []string{"PreemptedNodeCount supports Total, not Maximum (code 3)"}, check.Options{}},
	// grants before their consumers
	{"app created in parallel with its AcrPull grant", "grant-consumers-depend-on-grants", func(f fixtures) { f["inference"].dependsOn = nil },
		[]string{`"gpuorch-inference" acts as identity "gpuorch-id"`, `role assignment "gpuorch-acrpull" (AcrPull)`, "pulumi.DependsOn"}, check.Options{}},
	{"grant ordered through the parent component", "", func(f fixtures) {
		f["infcomp"] = &fixture{typ: "gpu-orchestration:inference:Inference", name: "gpuorch-inference-tier", inputs: map[string]any{}, dependsOn: []string{"acrpull"}}
		f["inference"].dependsOn, f["inference"].parent = nil, "infcomp"
	}, nil, check.Options{}},
	// models
	{"A100 profile where A100s are not offered", "gpu-profile-in-region", func(f fixtures) { f["env"].set("location", "westeurope") },
		[]string{`environment "gpuorch-cae" declares Consumption-GPU-NC24-A100 (A100) in westeurope`, "westus3, westus, australiaeast, swedencentral", "gpuRegionCheck: off"}, check.Options{}},
	{"region written as its display name", "", func(f fixtures) { f["env"].set("location", "Sweden Central") }, nil, check.Options{}},
	{"A100 replicas above the quota", "gpu-replicas-within-quota", func(f fixtures) { f["inference"].set("template.scale.maxReplicas", 9) },
		[]string{"the apps on A100 GPUs allow 9 replicas together (gpuorch-inference 9), above gpuQuota.A100 = 8"}, check.Options{}},
	{"prod app by tag", "image-by-digest-prod", func(f fixtures) {
		f["inference"].set("template.containers.0.image", "crgpuorchprod.azurecr.io/refmodel:latest")
	}, []string{`container app "gpuorch-inference", container "inference": image "crgpuorchprod.azurecr.io/refmodel:latest" is a tag`}, check.Options{}},
	{"prod model's Batch image by tag", "image-by-digest-prod", func(f fixtures) {
		f["router"].appendTo("template.containers.0.env", map[string]any{"name": "MODELS",
			"value": `[{"name":"chat-1","image":"crgpuorchprod.azurecr.io/refmodel@sha256:0123"},{"name":"small-1","image":"vllm/vllm-openai:v0.9"}]`})
	}, []string{`model "small-1"'s Batch tasks run image "vllm/vllm-openai:v0.9", a tag`}, check.Options{}},
	{"prod canary without rollback thresholds", "canary-rollback-prod", func(f fixtures) {
		f["router"].appendTo("template.containers.0.env", map[string]any{"name": "MODELS",
			"value": `[{"name":"chat-1","image":"crgpuorchprod.azurecr.io/refmodel@sha256:0123","revisions":[{"name":"v1","weight":90},{"name":"v2","weight":10}]}]`})
	}, []string{`model "chat-1": canary revision "v2" takes 10% of its traffic with no rollback thresholds`, "models[i].rollback"}, check.Options{}},
	{"prod canary with thresholds, or at weight 0, is fine", "", func(f fixtures) {
		f["router"].appendTo("template.containers.0.env", map[string]any{"name": "MODELS",
			"value": `[{"name":"chat-1","image":"crgpuorchprod.azurecr.io/refmodel@sha256:0123","revisions":[{"name":"v1","weight":90},{"name":"v2","weight":10}],` +
				`"rollback":{"max_error_ratio":0.05,"latency_percentile":95,"max_latency_ratio":1.5,"min_requests":50,"window_seconds":300}},` +
				`{"name":"small-1","image":"crgpuorchprod.azurecr.io/refmodel@sha256:0123","revisions":[{"name":"v1","weight":100},{"name":"v2","weight":0}]}]`})
	}, nil, check.Options{}},
	{"dev canary without thresholds is fine", "", func(f fixtures) {
		f["router"].set("tags", tags("dev")).appendTo("template.containers.0.env", map[string]any{"name": "MODELS",
			"value": `[{"name":"chat-1","revisions":[{"name":"v1","weight":90},{"name":"v2","weight":10}]}]`})
	}, nil, check.Options{}},
	{"dev app by tag is fine", "", func(f fixtures) {
		f["inference"].set("template.containers.0.image", "refmodel:latest").set("tags", tags("dev"))
	}, nil, check.Options{}},
	// tags
	{"missing managed-by", "required-tags", func(f fixtures) { f["st"].del("tags.managed-by") },
		[]string{`storage account "gpuorch-st": add tags managed-by`}, check.Options{}},
	{"untagged identity", "required-tags", func(f fixtures) { f["id"].del("tags") },
		[]string{`managed identity "gpuorch-id": add tags project, stack, managed-by`}, check.Options{}},
	// A rollout secret the router rewrote: no tags in Azure, none asked of it.
	{"untagged secret whose tags are left to another writer", "", func(f fixtures) {
		f["secret"].del("tags")
		f["secret"].ignoreChanges = []string{"properties", "tags"}
	}, nil, check.Options{}},
	{"a secret leaving its tags to another writer is still judged when created", "required-tags", func(f fixtures) {
		f["secret"].ignoreChanges = []string{"properties", "tags"}
		f["secret"].set("tags", map[string]any{"project": "gpu-orchestration"})
	}, []string{`add tags stack, managed-by`}, check.Options{}},
}

func TestEachRuleFiresOnItsMistake(t *testing.T) {
	for _, c := range ruleCases {
		t.Run(c.name, func(t *testing.T) {
			fs := baseline()
			c.mutate(fs)
			vs := fs.evaluate(t, c.opts)
			var mine []check.Violation
			for _, v := range vs {
				if v.Policy == c.policy {
					mine = append(mine, v)
				} else {
					t.Errorf("unrelated policy fired: %s", v)
				}
			}
			if c.policy == "" {
				return
			}
			if len(mine) == 0 {
				t.Fatalf("%s did not fire", c.policy)
			}
			text := ""
			for _, v := range mine {
				text += v.Message + "\n"
				// Only a missing resource has no URN to point at.
				if v.URN == "" && !strings.Contains(v.Message, "declares no") {
					t.Errorf("violation without a URN: %s", v)
				}
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("message does not say %q:\n%s", w, text)
				}
			}
		})
	}
}

// Every rule in the pack has at least one case above that makes it fire.
func TestEveryRuleHasAFiringCase(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range ruleCases {
		covered[c.policy] = true
	}
	for _, p := range rules.Policies(rules.Settings{BatchSpot: true}) {
		if !covered[p.Name()] {
			t.Errorf("policy %s has no firing test", p.Name())
		}
	}
}
