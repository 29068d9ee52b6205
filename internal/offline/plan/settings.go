package plan

import (
	"fmt"
	"path"
	"strings"
)

// roleNames are the built-in roles the stack assigns (docs/azure-facts.md,
// components/roles.go), so a
// reviewer reads "AcrPull" rather than a GUID.
var roleNames = map[string]string{
	"4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
	"b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
	"974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
	"c6a89b2d-59bc-44d0-9896-0f6e12d7b80a": "Storage Queue Data Message Sender",
	"8a0f0c08-91a1-4084-bc3d-661d67233fed": "Storage Queue Data Message Processor",
	"19e7f393-937e-4f77-808e-94535e297925": "Storage Queue Data Reader",
	"ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
	"7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
	"48e5e92e-a480-4e71-aa9c-2778f4c13781": "Azure Batch Job Submitter", // components/roles.go
}

// setting is one "label=value" of a resource's key settings; paths are
// dotted input paths, and the setting is left out when the input is absent.
type setting struct {
	label string
	path  string
}

var keySettings = map[string][]setting{
	"azure-native:resources:ResourceGroup":              {{"location", "location"}},
	"azure-native:operationalinsights:Workspace":        {{"sku", "sku.name"}, {"retention", "retentionInDays"}},
	"azure-native:consumption:Budget":                   {{"amount", "amount"}, {"grain", "timeGrain"}},
	"azure-native:keyvault:Vault":                       {{"sku", "properties.sku.name"}, {"rbac", "properties.enableRbacAuthorization"}, {"softDeleteDays", "properties.softDeleteRetentionInDays"}, {"purgeProtection", "properties.enablePurgeProtection"}, {"publicAccess", "properties.publicNetworkAccess"}},
	"azure-native:keyvault:Secret":                      {{"value", "properties.value"}},
	"azure-native:storage:StorageAccount":               {{"sku", "sku.name"}, {"kind", "kind"}, {"tls", "minimumTlsVersion"}, {"sharedKey", "allowSharedKeyAccess"}, {"publicAccess", "publicNetworkAccess"}},
	"azure-native:storage:Queue":                        {{"queue", "queueName"}},
	"azure-native:storage:BlobContainer":                {{"container", "containerName"}},
	"azure-native:containerregistry:Registry":           {{"sku", "sku.name"}, {"adminUser", "adminUserEnabled"}, {"publicAccess", "publicNetworkAccess"}},
	"docker:index/image:Image":                          {{"image", "imageName"}, {"dockerfile", "build.dockerfile"}},
	"azure-native:app/v20250101:ContainerApp":           {{"profile", "workloadProfileName"}, {"ingressExternal", "configuration.ingress.external"}, {"port", "configuration.ingress.targetPort"}},
	"azure-native:batch:BatchAccount":                   {{"allocation", "poolAllocationMode"}, {"auth", "allowedAuthenticationModes"}, {"publicAccess", "publicNetworkAccess"}},
	"azure-native:batch:Pool":                           {{"vmSize", "vmSize"}, {"nodeAgent", "deploymentConfiguration.virtualMachineConfiguration.nodeAgentSkuId"}, {"autoscaleEvery", "scaleSettings.autoScale.evaluationInterval"}, {"slotsPerNode", "taskSlotsPerNode"}, {"ips", "networkConfiguration.publicIPAddressConfiguration.provision"}},
	"azure-native:network:VirtualNetwork":               {{"space", "addressSpace.addressPrefixes"}},
	"azure-native:network:PrivateZone":                  {{"zone", "privateZoneName"}},
	"azure-native:insights:MetricAlert":                 {{"severity", "severity"}, {"every", "evaluationFrequency"}, {"window", "windowSize"}},
	"azure-native:insights:ScheduledQueryRule":          {{"severity", "severity"}, {"every", "evaluationFrequency"}, {"window", "windowSize"}},
	"azure-native:authorization:RoleAssignment":         {{"principalType", "principalType"}},
	"azure-native:managedidentity:UserAssignedIdentity": {{"name", "resourceName"}},
}

// KeySettings are the settings a reviewer looks at first, as "label=value",
// in a fixed order per type. Masked values stay masked.
func KeySettings(r Resource) []string {
	var out []string
	for _, s := range keySettings[r.Type] {
		if v := r.At(s.path); v != nil {
			out = append(out, s.label+"="+show(v))
		}
	}
	switch r.Type {
	case "azure-native:app/v20250101:ManagedEnvironment":
		list, _ := r.At("workloadProfiles").([]any)
		var profiles []string
		for _, p := range list {
			m, _ := p.(map[string]any)
			profiles = append(profiles, fmt.Sprintf("%v(%v)", m["name"], m["workloadProfileType"]))
		}
		out = append(out, "profiles="+strings.Join(profiles, ","))
		if subnet := r.Str("vnetConfiguration.infrastructureSubnetId"); subnet != "" {
			out = append(out, "subnet="+path.Base(subnet))
		}
	case "azure-native:app/v20250101:ContainerApp":
		minR, maxR := r.At("template.scale.minReplicas"), r.At("template.scale.maxReplicas")
		out = append(out, fmt.Sprintf("scale=%s..%s", show(minR), show(maxR)))
		containers, _ := r.At("template.containers").([]any)
		for _, c := range containers {
			m, _ := c.(map[string]any)
			res, _ := m["resources"].(map[string]any)
			out = append(out, fmt.Sprintf("%v=%scpu/%s", m["name"], show(res["cpu"]), show(res["memory"])))
		}
	case typeEndpoint:
		conns, _ := r.At("privateLinkServiceConnections").([]any)
		for _, c := range conns {
			m, _ := c.(map[string]any)
			out = append(out, "groups="+show(m["groupIds"]))
		}
	case "azure-native:storage:ManagementPolicy":
		if rules, _ := r.At("policy.rules").([]any); len(rules) > 0 {
			m, _ := rules[0].(map[string]any)
			days := Resource{Inputs: m}.At("definition.actions.baseBlob.delete.daysAfterModificationGreaterThan")
			out = append(out, "deleteAfterDays="+show(days))
		}
	case "azure-native:authorization:RoleAssignment":
		id := path.Base(r.Str("roleDefinitionId"))
		role := roleNames[id]
		if role == "" {
			role = id
		}
		out = append([]string{"role=" + role, "scope=" + shortScope(r.Str("scope"))}, out...)
	}
	return out
}

// show prints a JSON-shaped value compactly.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		return x
	case float64:
		return fmt.Sprintf("%g", x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		return fmt.Sprintf("{%d keys}", len(x))
	default:
		return fmt.Sprint(x)
	}
}

// shortScope keeps the last type/name of an ARM scope.
func shortScope(scope string) string {
	parts := strings.Split(strings.Trim(scope, "/"), "/")
	if len(parts) < 2 {
		return scope
	}
	typ := parts[len(parts)-2]
	if i := strings.LastIndex(typ, ":"); i >= 0 {
		typ = typ[i+1:]
	}
	return typ + "/" + parts[len(parts)-1]
}
