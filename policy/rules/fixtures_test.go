package rules_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/gpu-orchestration/gpu-orchestration/policy/check"
	"github.com/gpu-orchestration/gpu-orchestration/policy/rules"
)

// fixture is one resource as a program would register it: type, logical
// name and inputs in the provider's camelCase shape (@pulumi/azure-native
// 2.90.0 .d.ts), mutable before it is handed to the pack.
type fixture struct {
	typ    string
	name   string
	inputs map[string]any
	deps   []string // keys of the fixtures it depends on, as the engine records them
	// dependsOn and propDeps name other fixtures (by key) this one depends
	// on: as a whole, and per input property, as the engine records them.
	dependsOn []string
	propDeps  map[string][]string
	// parent is the key of the fixture's parent component, if any.
	parent string
	// ignoreChanges is the resource option of that name.
	ignoreChanges []string
}

// fixtures is a complete, compliant platform for a prod stack, including the
// tiers the stack does not declare yet (compute, registry, access), so every
// rule has a realistic resource to judge.
type fixtures map[string]*fixture

func tags(env string) map[string]any {
	return map[string]any{"project": "gpu-orchestration", "stack": env, "managed-by": "pulumi", "environment": env}
}

const (
	rgID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-gpuorch-prod"
	// AcrPull (azure-docs role-based-access-control/built-in-roles/containers).
	acrPull = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"
	uamiID  = rgID + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-gpuorch-prod"
)

// spotFormula scales Spot nodes on pending tasks, guarded by sample percent.
const spotFormula = `$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 3);
$tasks = $samples < 70 ? max(0, $PendingTasks.GetSample(1)) : max($PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 3)));
$TargetLowPriorityNodes = min($tasks, 4);
$TargetDedicatedNodes = 0;
$NodeDeallocationOption = taskcompletion;`

func baseline() fixtures {
	fs := fixtures{
		"rg": {typ: "azure-native:resources:ResourceGroup", name: "gpuorch-rg", inputs: map[string]any{
			"resourceGroupName": "rg-gpuorch-prod", "location": "swedencentral", "tags": tags("prod"),
		}},
		"log": {typ: "azure-native:operationalinsights:Workspace", name: "gpuorch-log", inputs: map[string]any{
			"workspaceName": "log-gpuorch-prod", "resourceGroupName": "rg-gpuorch-prod", "sku": map[string]any{"name": "PerGB2018"},
			"retentionInDays": 90, "tags": tags("prod"),
		}},
		"ag": {typ: "azure-native:insights:ActionGroup", name: "gpuorch-ag", inputs: map[string]any{
			"actionGroupName": "ag-gpuorch-prod", "groupShortName": "gpuprod", "enabled": true, "location": "global",
			"emailReceivers": []any{map[string]any{"name": "email-1", "emailAddress": "oncall@example.com", "useCommonAlertSchema": true}},
			"tags":           tags("prod"),
		}},
		"budget": {typ: "azure-native:consumption:Budget", name: "gpuorch-budget", inputs: map[string]any{
			"budgetName": "budget-gpuorch-prod", "scope": rgID, "amount": 8000, "category": "Cost", "timeGrain": "Monthly",
			"timePeriod": map[string]any{"startDate": "2026-11-01T00:00:00Z"},
			"notifications": map[string]any{"actual80": map[string]any{
				"enabled": true, "operator": "GreaterThanOrEqualTo", "threshold": 80, "thresholdType": "Actual",
				"contactEmails": []any{"oncall@example.com"},
			}},
		}},
		"kv": {typ: "azure-native:keyvault:Vault", name: "gpuorch-kv", inputs: map[string]any{
			"vaultName": "kv-gpuorch-prod-abc123", "resourceGroupName": "rg-gpuorch-prod",
			"properties": map[string]any{
				"tenantId": "11111111-1111-1111-1111-111111111111", "sku": map[string]any{"family": "A", "name": "standard"},
				"enableRbacAuthorization": true, "enableSoftDelete": true, "softDeleteRetentionInDays": 90,
				"enablePurgeProtection": true, "publicNetworkAccess": "Disabled",
			},
			"tags": tags("prod"),
		}},
		"secret": {typ: "azure-native:keyvault:Secret", name: "gpuorch-model-version", inputs: map[string]any{
			"secretName": "model-version", "vaultName": "kv-gpuorch-prod-abc123", "resourceGroupName": "rg-gpuorch-prod",
			"properties": map[string]any{"value": resource.MakeSecret(resource.NewProperty("ref-1"))}, "tags": tags("prod"),
		}},
		"st": {typ: "azure-native:storage:StorageAccount", name: "gpuorch-st", inputs: map[string]any{
			"accountName": "stgpuorchprodabc123", "resourceGroupName": "rg-gpuorch-prod", "kind": "StorageV2",
			"sku": map[string]any{"name": "Standard_LRS"}, "enableHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_2",
			"allowBlobPublicAccess": false, "allowSharedKeyAccess": false, "defaultToOAuthAuthentication": true,
			"publicNetworkAccess": "Disabled", "tags": tags("prod"),
		}},
		"queue": {typ: "azure-native:storage:Queue", name: "gpuorch-work", inputs: map[string]any{
			"queueName": "inference-work", "accountName": "stgpuorchprodabc123", "resourceGroupName": "rg-gpuorch-prod",
		}},
		"results": {typ: "azure-native:storage:BlobContainer", name: "gpuorch-results", inputs: map[string]any{
			"containerName": "results", "accountName": "stgpuorchprodabc123", "resourceGroupName": "rg-gpuorch-prod",
			"publicAccess": "None",
		}},
		"id": {typ: "azure-native:managedidentity:UserAssignedIdentity", name: "gpuorch-id", inputs: map[string]any{
			"resourceName": "id-gpuorch-prod", "resourceGroupName": "rg-gpuorch-prod", "tags": tags("prod"),
		}},
		"env": {typ: "azure-native:app/v20250101:ManagedEnvironment", name: "gpuorch-cae", inputs: map[string]any{
			"environmentName": "cae-gpuorch-prod", "resourceGroupName": "rg-gpuorch-prod", "location": "swedencentral",
			"workloadProfiles": []any{
				map[string]any{"name": "Consumption", "workloadProfileType": "Consumption"},
				map[string]any{"name": "gpu", "workloadProfileType": "Consumption-GPU-NC24-A100"},
			},
			"tags": tags("prod"),
		}},
		"inference": {typ: "azure-native:app/v20250101:ContainerApp", name: "gpuorch-inference", inputs: map[string]any{
			"containerAppName": "ca-gpuorch-inference-prod", "resourceGroupName": "rg-gpuorch-prod",
			"workloadProfileName": "gpu",
			"identity":            map[string]any{"type": "UserAssigned", "userAssignedIdentities": []any{uamiID}},
			"configuration": map[string]any{
				// Internal: only the router reaches it, over plain HTTP inside the environment.
				"ingress":    map[string]any{"external": false, "targetPort": 8000, "allowInsecure": true},
				"registries": []any{map[string]any{"server": "crgpuorchprod.azurecr.io", "identity": uamiID}},
			},
			"template": map[string]any{
				"containers": []any{map[string]any{
					"name": "inference", "image": "crgpuorchprod.azurecr.io/refmodel@sha256:0123",
					"env": []any{map[string]any{"name": "MODEL_VERSION", "value": "ref-1"}},
				}},
				"scale": map[string]any{"minReplicas": 0, "maxReplicas": 8},
			},
			"tags": tags("prod"),
		}, dependsOn: []string{"acrpull"}, propDeps: map[string][]string{"identity": {"id"}}},
		"router": {typ: "azure-native:app/v20250101:ContainerApp", name: "gpuorch-router", inputs: map[string]any{
			"containerAppName": "ca-gpuorch-router-prod", "resourceGroupName": "rg-gpuorch-prod",
			"workloadProfileName": "Consumption",
			"configuration": map[string]any{
				"ingress": map[string]any{"external": true, "targetPort": 8080, "allowInsecure": false},
				"secrets": []any{map[string]any{
					"name": "api-key-hash", "keyVaultUrl": "https://kv-gpuorch-prod-abc123.vault.azure.net/secrets/api-key-hash",
					"identity": uamiID,
				}},
				"registries": []any{map[string]any{"server": "crgpuorchprod.azurecr.io", "identity": uamiID}},
			},
			"template": map[string]any{
				"containers": []any{map[string]any{
					"name": "router", "image": "crgpuorchprod.azurecr.io/router@sha256:4567",
					"env": []any{
						map[string]any{"name": "KEY_VAULT_URI", "value": "https://kv-gpuorch-prod-abc123.vault.azure.net/"},
						map[string]any{"name": "AZURE_CLIENT_ID", "value": "55555555-5555-5555-5555-555555555555"},
						map[string]any{"name": "API_KEY_HASH", "secretRef": "api-key-hash"},
						map[string]any{"name": "INFERENCE_URL", "value": "http://ca-gpuorch-inference-prod"},
					},
				}},
				"scale": map[string]any{"minReplicas": 1, "maxReplicas": 10},
			},
			"tags": tags("prod"),
		}, dependsOn: []string{"acrpull"}, propDeps: map[string][]string{"identity": {"id"}}},
		"batch": {typ: "azure-native:batch:BatchAccount", name: "gpuorch-batch", inputs: map[string]any{
			"accountName": "bagpuorchprodabc123", "resourceGroupName": "rg-gpuorch-prod", "poolAllocationMode": "BatchService",
			"allowedAuthenticationModes": []any{"AAD"}, "publicNetworkAccess": "Disabled",
			"identity": map[string]any{"type": "UserAssigned", "userAssignedIdentities": []any{uamiID}},
			"autoStorage": map[string]any{
				"storageAccountId":      rgID + "/providers/Microsoft.Storage/storageAccounts/stgpuorchprodabc123",
				"authenticationMode":    "BatchAccountManagedIdentity",
				"nodeIdentityReference": map[string]any{"resourceId": uamiID},
			},
			"tags": tags("prod"),
		}},
		"pool": {typ: "azure-native:batch:Pool", name: "gpuorch-pool", inputs: map[string]any{
			"accountName": "bagpuorchprodabc123", "resourceGroupName": "rg-gpuorch-prod", "poolName": "gpu-spot",
			"vmSize": "Standard_NC24ads_A100_v4",
			"deploymentConfiguration": map[string]any{"virtualMachineConfiguration": map[string]any{
				"imageReference": map[string]any{"publisher": "microsoft-dsvm", "offer": "ubuntu-hpc", "sku": "2204", "version": "latest"},
				"nodeAgentSkuId": "batch.node.ubuntu 22.04",
				"containerConfiguration": map[string]any{
					"type": "DockerCompatible", "containerImageNames": []any{"crgpuorchprod.azurecr.io/refmodel@sha256:0123"},
				},
			}},
			"scaleSettings":    map[string]any{"autoScale": map[string]any{"formula": spotFormula, "evaluationInterval": "PT5M"}},
			"taskSlotsPerNode": 1,
			"networkConfiguration": map[string]any{
				"subnetId":                     vnetID + "/subnets/snet-batch",
				"publicIPAddressConfiguration": map[string]any{"provision": "NoPublicIPAddresses"},
			},
		}, deps: []string{"batch", "vnet"}},
		"acr": {typ: "azure-native:containerregistry:Registry", name: "gpuorch-acr", inputs: map[string]any{
			"registryName": "crgpuorchprod", "resourceGroupName": "rg-gpuorch-prod", "sku": map[string]any{"name": "Premium"},
			"adminUserEnabled": false, "publicNetworkAccess": "Disabled", "tags": tags("prod"),
		}},
		"acrpull": {typ: "azure-native:authorization:RoleAssignment", name: "gpuorch-acrpull", inputs: map[string]any{
			"principalId": "66666666-6666-6666-6666-666666666666", "principalType": "ServicePrincipal",
			"roleDefinitionId": acrPull, "scope": rgID + "/providers/Microsoft.ContainerRegistry/registries/crgpuorchprod",
		}, propDeps: map[string][]string{"principalId": {"id"}, "scope": {"acr"}}},
		"alert": {typ: "azure-native:insights:MetricAlert", name: "gpuorch-alert-preempted", inputs: map[string]any{
			"ruleName": "alert-preempted-prod", "resourceGroupName": "rg-gpuorch-prod", "enabled": true, "severity": 2,
			"evaluationFrequency": "PT5M", "windowSize": "PT15M", "location": "global",
			"scopes": []any{rgID + "/providers/Microsoft.Batch/batchAccounts/bagpuorchprodabc123"}, "tags": tags("prod"),
			"criteria": map[string]any{"odataType": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", "allOf": []any{map[string]any{
				"criterionType": "StaticThresholdCriterion", "name": "PreemptedNodeCount", "metricName": "PreemptedNodeCount",
				"metricNamespace": "Microsoft.Batch/batchAccounts", "operator": "GreaterThan", "threshold": 0, "timeAggregation": "Total",
			}}},
		}},
		"workbook": {typ: "azure-native:insights:Workbook", name: "gpuorch-workbook", inputs: map[string]any{
			"resourceName": "6f1c1d3e-0000-4000-8000-000000000000", "resourceGroupName": "rg-gpuorch-prod", "kind": "shared",
			"category": "workbook", "displayName": "GPU inference routing (prod)", "tags": tags("prod"),
			"serializedData": `{"version":"Notebook/1.0","items":[{"type":10,"content":{"version":"MetricsItem/2.0","title":"Batch nodes",` +
				`"metrics":[{"namespace":"microsoft.batch/batchaccounts","metric":"microsoft.batch/batchaccounts--TotalLowPriorityNodeCount","aggregation":1}]}}]}`,
		}},
		"component": {typ: "gpu-orchestration:storage:Storage", name: "gpuorch-storage", inputs: map[string]any{}},
	}
	addNetwork(fs)
	addFrontDoor(fs)
	return fs
}

// addFrontDoor adds a global stack's front door: profile, endpoint, one
// origin group probing two regions' routers, the route, and the firewall
// with its security policy. (The pack judges whatever one run holds; the
// rules for a front door and for a region's platform do not meet.)
func addFrontDoor(fs fixtures) {
	rg := "rg-gpuorch-global"
	fs["afd"] = &fixture{typ: "azure-native:cdn:Profile", name: "gpuorch-frontdoor-profile", inputs: map[string]any{
		"profileName": "afd-gpuorch-global", "resourceGroupName": rg, "location": "global",
		"sku": map[string]any{"name": "Standard_AzureFrontDoor"}, "originResponseTimeoutSeconds": 240, "tags": tags("prod"),
	}}
	fs["fde"] = &fixture{typ: "azure-native:cdn:AFDEndpoint", name: "gpuorch-frontdoor-endpoint", inputs: map[string]any{
		"endpointName": "fde-gpuorch-global", "profileName": "afd-gpuorch-global", "resourceGroupName": rg, "location": "global",
		"enabledState": "Enabled", "tags": tags("prod"),
	}, deps: []string{"afd"}}
	fs["og"] = &fixture{typ: "azure-native:cdn:AFDOriginGroup", name: "gpuorch-frontdoor-routers", inputs: map[string]any{
		"originGroupName": "routers", "profileName": "afd-gpuorch-global", "resourceGroupName": rg,
		"healthProbeSettings":   map[string]any{"probePath": "/readyz", "probeProtocol": "Https", "probeRequestType": "HEAD", "probeIntervalInSeconds": 30},
		"loadBalancingSettings": map[string]any{"sampleSize": 4, "successfulSamplesRequired": 3, "additionalLatencyInMilliseconds": 0},
	}, deps: []string{"afd"}}
	for _, region := range []string{"swedencentral", "westus3"} {
		host := "ca-gpuorch-prod-router.kindstone." + region + ".azurecontainerapps.io"
		fs["origin "+region] = &fixture{typ: "azure-native:cdn:AFDOrigin", name: "gpuorch-frontdoor-origin-" + region, inputs: map[string]any{
			"originName": "origin-" + region, "originGroupName": "routers", "profileName": "afd-gpuorch-global", "resourceGroupName": rg,
			"hostName": host, "originHostHeader": host, "httpsPort": 443, "enforceCertificateNameCheck": true,
			"priority": 1, "weight": 1000, "enabledState": "Enabled",
		}, deps: []string{"og", "afd"}}
	}
	fs["route"] = &fixture{typ: "azure-native:cdn:Route", name: "gpuorch-frontdoor-route", inputs: map[string]any{
		"routeName": "api", "endpointName": "fde-gpuorch-global", "profileName": "afd-gpuorch-global", "resourceGroupName": rg,
		"originGroup": map[string]any{"id": rgID + "/providers/x/routers"}, "patternsToMatch": []any{"/*"},
		"supportedProtocols": []any{"Https"}, "httpsRedirect": "Disabled", "forwardingProtocol": "HttpsOnly",
		"linkToDefaultDomain": "Enabled", "enabledState": "Enabled",
	}, deps: []string{"fde", "og", "origin swedencentral", "origin westus3"}}
	fs["waf"] = &fixture{typ: "azure-native:network:Policy", name: "gpuorch-frontdoor-waf", inputs: map[string]any{
		"policyName": "wafgpuorchglobal123abc", "resourceGroupName": rg, "location": "Global",
		"sku":            map[string]any{"name": "Standard_AzureFrontDoor"},
		"policySettings": map[string]any{"enabledState": "Enabled", "mode": "Prevention", "customBlockResponseStatusCode": 429},
		"customRules": map[string]any{"rules": []any{map[string]any{
			"name": "ratePerClientAddress", "priority": 100, "ruleType": "RateLimitRule", "rateLimitDurationInMinutes": 1,
			"rateLimitThreshold": 3000, "action": "Block",
			"matchConditions": []any{map[string]any{"matchVariable": "SocketAddr", "operator": "IPMatch", "matchValue": []any{"0.0.0.0/0", "::/0"}}},
		}}},
		"tags": tags("prod"),
	}}
	fs["security"] = &fixture{typ: "azure-native:cdn:SecurityPolicy", name: "gpuorch-frontdoor-security", inputs: map[string]any{
		"securityPolicyName": "waf", "profileName": "afd-gpuorch-global", "resourceGroupName": rg,
		"parameters": map[string]any{"type": "WebApplicationFirewall", "wafPolicy": map[string]any{"id": rgID + "/providers/x/waf"},
			"associations": []any{map[string]any{"domains": []any{map[string]any{"id": rgID + "/providers/x/fde"}}, "patternsToMatch": []any{"/*"}}}},
	}, deps: []string{"afd", "waf", "fde"}}
}

const vnetID = rgID + "/providers/Microsoft.Network/virtualNetworks/vnet-gpuorch-prod"

// addNetwork adds the isolated network: the virtual network, one private
// endpoint per service sub-resource with its DNS zone group, and the private
// DNS zones linked to the network.
func addNetwork(fs fixtures) {
	fs["vnet"] = &fixture{typ: "azure-native:network:VirtualNetwork", name: "gpuorch-vnet", inputs: map[string]any{
		"virtualNetworkName": "vnet-gpuorch-prod", "resourceGroupName": "rg-gpuorch-prod",
		"addressSpace": map[string]any{"addressPrefixes": []any{"10.60.0.0/22"}}, "tags": tags("prod"),
	}}
	zones := map[string]string{
		"blob": "privatelink.blob.core.windows.net", "queue": "privatelink.queue.core.windows.net",
		"vault": "privatelink.vaultcore.azure.net", "registry": "privatelink.azurecr.io",
		"batchAccount": "privatelink.batch.azure.com", "nodeManagement": "privatelink.batch.azure.com",
	}
	for _, zone := range []string{"privatelink.blob.core.windows.net", "privatelink.queue.core.windows.net",
		"privatelink.vaultcore.azure.net", "privatelink.azurecr.io", "privatelink.batch.azure.com"} {
		fs["zone "+zone] = &fixture{typ: "azure-native:network:PrivateZone", name: "gpuorch-dns-" + zone, inputs: map[string]any{
			"privateZoneName": zone, "resourceGroupName": "rg-gpuorch-prod", "location": "global", "tags": tags("prod"),
		}}
		fs["link "+zone] = &fixture{typ: "azure-native:network:VirtualNetworkLink", name: "gpuorch-dns-" + zone + "-link", inputs: map[string]any{
			"privateZoneName": zone, "resourceGroupName": "rg-gpuorch-prod", "location": "global",
			"virtualNetwork": map[string]any{"id": vnetID}, "registrationEnabled": false, "tags": tags("prod"),
		}, deps: []string{"zone " + zone, "vnet"}}
	}
	for group, target := range map[string]string{"blob": "st", "queue": "st", "vault": "kv", "registry": "acr", "batchAccount": "batch", "nodeManagement": "batch"} {
		fs["pe "+group] = &fixture{typ: "azure-native:network:PrivateEndpoint", name: "gpuorch-pe-" + group, inputs: map[string]any{
			"privateEndpointName": "pe-gpuorch-prod-" + group, "resourceGroupName": "rg-gpuorch-prod",
			"subnet": map[string]any{"id": vnetID + "/subnets/snet-pe"},
			"privateLinkServiceConnections": []any{map[string]any{
				"name": group, "privateLinkServiceId": rgID + "/providers/x/" + target, "groupIds": []any{group},
			}},
			"tags": tags("prod"),
		}, deps: []string{target, "vnet"}}
		fs["dns "+group] = &fixture{typ: "azure-native:network:PrivateDnsZoneGroup", name: "gpuorch-pe-" + group + "-dns", inputs: map[string]any{
			"privateDnsZoneGroupName": "default", "privateEndpointName": "pe-gpuorch-prod-" + group, "resourceGroupName": "rg-gpuorch-prod",
			"privateDnsZoneConfigs": []any{map[string]any{"name": group, "privateDnsZoneId": rgID + "/providers/x/" + zones[group]}},
		}, deps: []string{"pe " + group, "zone " + zones[group]}}
	}
}

// resources converts the fixtures to what the policy engine sees.
func (fs fixtures) resources() []policyx.AnalyzerResource {
	urn := func(f *fixture) string {
		return string(resource.NewURN(tokens.QName("prod"), tokens.PackageName("gpu-orchestration"), "", tokens.Type(f.typ), f.name))
	}
	urns := func(keys []string) []string {
		var out []string
		for _, k := range keys {
			if d, ok := fs[k]; ok {
				out = append(out, urn(d))
			}
		}
		return out
	}
	out := make([]policyx.AnalyzerResource, 0, len(fs))
	for _, f := range fs {
		r := policyx.AnalyzerResource{
			Type: f.typ, Name: f.name, URN: urn(f),
			Properties:   resource.FromResourcePropertyMap(resource.NewPropertyMapFromMap(f.inputs)),
			Dependencies: urns(append(append([]string{}, f.dependsOn...), f.deps...)),
			Options:      pulumi.ResourceOptions{IgnoreChanges: f.ignoreChanges},
		}
		if p, ok := fs[f.parent]; ok {
			r.Parent = urn(p)
		}
		if len(f.propDeps) > 0 {
			r.PropertyDependencies = map[string][]string{}
			for prop, keys := range f.propDeps {
				deps := urns(keys)
				r.PropertyDependencies[prop] = deps
				r.Dependencies = append(r.Dependencies, deps...)
			}
		}
		out = append(out, r)
	}
	return out
}

// evaluate runs the real pack (Spot asked, as both stacks do) over the fixtures.
func (fs fixtures) evaluate(t *testing.T, opts check.Options) []check.Violation {
	t.Helper()
	return evaluateWith(t, fs, rules.Settings{BatchSpot: true, GPUQuota: map[string]int{"A100": 8}}, opts)
}

func evaluateWith(t *testing.T, fs fixtures, s rules.Settings, opts check.Options) []check.Violation {
	t.Helper()
	pack, err := rules.Pack(s)
	if err != nil {
		t.Fatalf("building the pack: %v", err)
	}
	vs, err := check.Evaluate(context.Background(), pack, fs.resources(), opts)
	if err != nil {
		t.Fatalf("evaluating the pack: %v", err)
	}
	return vs
}

// set writes value at a dotted path ("configuration.ingress.external",
// "template.containers.0.env"), creating maps on the way.
func (f *fixture) set(path string, value any) *fixture {
	keys := strings.Split(path, ".")
	var cur any = f.inputs
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[k] = value
				return f
			}
			if _, ok := c[k]; !ok {
				c[k] = map[string]any{}
			}
			cur = c[k]
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n >= len(c) {
				panic("fixture path " + path + ": bad index " + k)
			}
			if last {
				c[n] = value
				return f
			}
			cur = c[n]
		default:
			panic("fixture path " + path + " crosses a non-container at " + k)
		}
	}
	return f
}

// del removes the input at a dotted path.
func (f *fixture) del(path string) *fixture {
	keys := strings.Split(path, ".")
	parent := f.inputs
	for _, k := range keys[:len(keys)-1] {
		next, ok := parent[k].(map[string]any)
		if !ok {
			return f
		}
		parent = next
	}
	delete(parent, keys[len(keys)-1])
	return f
}

// appendTo appends an element to the array at a dotted path.
func (f *fixture) appendTo(path string, elem any) *fixture {
	keys := strings.Split(path, ".")
	var cur any = f.inputs
	for _, k := range keys {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[k]
		case []any:
			n, _ := strconv.Atoi(k)
			cur = c[n]
		}
	}
	arr, _ := cur.([]any)
	return f.set(path, append(arr, elem))
}

func unknownValue() resource.PropertyValue { return resource.MakeComputed(resource.NewProperty("")) }

// unknownOutput is how a preview sends a value that depends on another resource.
func unknownOutput() resource.PropertyValue {
	return resource.NewProperty(resource.Output{Known: false, Element: resource.NewNullProperty()})
}
