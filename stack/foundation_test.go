package stack_test

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding"
	"github.com/gpu-orchestration/gpu-orchestration/router"
)

func TestConfigErrorStopsBeforeAnyResource(t *testing.T) {
	res, err := deployWith(t, "dev", map[string]string{"gpuType": "V100"})
	if err == nil {
		t.Fatalf("run accepted gpuType V100 and registered %d resources", len(res.Resources))
	}
	if !strings.Contains(err.Error(), "gpu-orchestration:gpuType") {
		t.Fatalf("error does not name the key: %v", err)
	}
}

func TestVaultPerStack(t *testing.T) {
	for _, name := range stacks {
		res := deploy(t, name)
		kv := one(t, res, "azure-native:keyvault:Vault")
		if v, _ := kv.Bool("properties.enableRbacAuthorization"); !v {
			t.Errorf("%s: vault RBAC authorization off", name)
		}
		if v, _ := kv.Bool("properties.enableSoftDelete"); !v {
			t.Errorf("%s: vault soft delete off", name)
		}
		purge, set := kv.Bool("properties.enablePurgeProtection")
		wantRetention := map[string]float64{"dev": 7, "prod": 90}[name]
		if got := kv.Number("properties.softDeleteRetentionInDays"); got != wantRetention {
			t.Errorf("%s: soft delete retention %v, want %v", name, got, wantRetention)
		}
		switch name {
		case "prod":
			if !purge {
				t.Errorf("prod: purge protection not on")
			}
		case "dev":
			// The API refuses false; unset is "off".
			if set {
				t.Errorf("dev: enablePurgeProtection sent as %v, want unset", purge)
			}
		}
		if ap := kv.Input("properties.accessPolicies"); ap.IsArray() && len(ap.ArrayValue()) > 0 {
			t.Errorf("%s: vault has %d access policies; RBAC only", name, len(ap.ArrayValue()))
		}
	}
}

// The recipe's names hold the fleet-wide settings and the default model's;
// every other model has its own secret of each setting it may differ in
// (router.ModelSecret), and nothing else is stored.
func TestRoutingSettingsStoredUnderRecipeNames(t *testing.T) {
	res := deploy(t, "prod")
	got := map[string]string{}
	for _, s := range res.OfType("azure-native:keyvault:Secret") {
		got[s.String("secretName")] = s.String("properties.value")
	}
	delete(got, router.SecretAPIKeyHashes)
	want := map[string]string{
		"realtime-threshold-ms": "1500",
		"batch-cost-threshold":  "0.002",
		// chat-1, the default model, on A100.
		"max-aca-replicas": "8",
		"max-batch-nodes":  "10",
		"model-version":    "chat-1",
		"gpu-memory-limit": "80Gi",
		// small-1 on T4.
		router.ModelSecret("max-aca-replicas", "small-1"): "4",
		router.ModelSecret("max-batch-nodes", "small-1"):  "4",
		router.ModelSecret("model-version", "small-1"):    "small-1",
		router.ModelSecret("gpu-memory-limit", "small-1"): "16Gi",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("secrets %v, want %v", got, want)
	}
}

func TestStorageHardenedWithQueuesContainersAndLifecycle(t *testing.T) {
	for _, name := range stacks {
		res := deploy(t, name)
		st := one(t, res, "azure-native:storage:StorageAccount")
		for path, want := range map[string]bool{
			"enableHttpsTrafficOnly": true, "allowBlobPublicAccess": false, "allowSharedKeyAccess": false,
		} {
			if got, set := st.Bool(path); !set || got != want {
				t.Errorf("%s: storage %s = %v (set %v), want %v", name, path, got, set, want)
			}
		}
		if tls := st.String("minimumTlsVersion"); tls != "TLS1_2" {
			t.Errorf("%s: minimumTlsVersion %q", name, tls)
		}
		var queues, containers []string
		for _, q := range res.OfType("azure-native:storage:Queue") {
			queues = append(queues, q.String("queueName"))
		}
		for _, c := range res.OfType("azure-native:storage:BlobContainer") {
			containers = append(containers, c.String("containerName"))
			if c.String("publicAccess") != "None" {
				t.Errorf("%s: container %s public access %q", name, c.String("containerName"), c.String("publicAccess"))
			}
		}
		slices.Sort(queues)
		slices.Sort(containers)
		if !slices.Equal(queues, []string{"inference-poison", "inference-work"}) || !slices.Equal(containers, []string{"requests", "results"}) {
			t.Errorf("%s: queues %v containers %v", name, queues, containers)
		}
		policy := one(t, res, "azure-native:storage:ManagementPolicy")
		rule := policy.Input("policy.rules").ArrayValue()[0]
		days := resource.PropertyMap(rule.ObjectValue()).
			Mappable()["definition"].(map[string]any)["actions"].(map[string]any)["baseBlob"].(map[string]any)["delete"].(map[string]any)["daysAfterModificationGreaterThan"]
		want := map[string]float64{"dev": 7, "prod": 30}[name]
		if days != want {
			t.Errorf("%s: payloads expire after %v days, want %v", name, days, want)
		}
	}
}

func TestBudgetFromConfig(t *testing.T) {
	want := map[string]struct {
		amount float64
		emails []string
	}{
		"dev":  {300, []string{"ml-platform-dev@example.com"}},
		"prod": {8000, []string{"ml-platform-oncall@example.com", "ml-platform-leads@example.com"}},
	}
	for _, name := range stacks {
		res := deploy(t, name)
		b := one(t, res, "azure-native:consumption:Budget")
		if got := b.Number("amount"); got != want[name].amount {
			t.Errorf("%s: budget %v, want %v", name, got, want[name].amount)
		}
		if b.String("timeGrain") != "Monthly" || b.String("category") != "Cost" {
			t.Errorf("%s: budget grain %q category %q", name, b.String("timeGrain"), b.String("category"))
		}
		if !regexp.MustCompile(`^\d{4}-\d{2}-01T00:00:00Z$`).MatchString(b.String("timePeriod.startDate")) {
			t.Errorf("%s: start date %q is not the first of a month", name, b.String("timePeriod.startDate"))
		}
		if !strings.Contains(b.String("scope"), "rg-gpuorch-"+name) {
			t.Errorf("%s: budget scope %q is not the stack's resource group", name, b.String("scope"))
		}
		kinds := map[string]bool{}
		for key, n := range b.Input("notifications").ObjectValue() {
			m := n.ObjectValue().Mappable()
			kinds[m["thresholdType"].(string)] = true
			var emails []string
			for _, e := range m["contactEmails"].([]any) {
				emails = append(emails, e.(string))
			}
			if !slices.Equal(emails, want[name].emails) {
				t.Errorf("%s: notification %s goes to %v, want %v", name, key, emails, want[name].emails)
			}
			if len(m["contactGroups"].([]any)) != 1 {
				t.Errorf("%s: notification %s does not reach the action group", name, key)
			}
		}
		if !kinds["Actual"] || !kinds["Forecasted"] {
			t.Errorf("%s: budget notifications %v, want Actual and Forecasted", name, kinds)
		}
		ag := one(t, res, "azure-native:insights:ActionGroup")
		var receivers []string
		for _, r := range ag.Input("emailReceivers").ArrayValue() {
			receivers = append(receivers, r.ObjectValue()["emailAddress"].StringValue())
		}
		if !slices.Equal(receivers, want[name].emails) {
			t.Errorf("%s: action group receivers %v", name, receivers)
		}
	}
}

func TestLogRetentionPerStack(t *testing.T) {
	for name, days := range map[string]float64{"dev": 30, "prod": 90} {
		ws := one(t, deploy(t, name), "azure-native:operationalinsights:Workspace")
		if ws.Number("retentionInDays") != days || ws.String("sku.name") != "PerGB2018" {
			t.Errorf("%s: retention %v sku %q, want %v PerGB2018", name, ws.Number("retentionInDays"), ws.String("sku.name"), days)
		}
	}
}

// Types the azure-native schema gives no tags input.
var untaggable = map[string]bool{
	"azure-native:storage:Queue":                true,
	"azure-native:storage:BlobContainer":        true,
	"azure-native:storage:ManagementPolicy":     true,
	"azure-native:consumption:Budget":           true,
	"azure-native:authorization:RoleAssignment": true,
	"azure-native:insights:DiagnosticSetting":   true,
	"azure-native:batch:Pool":                   true, // carries metadata instead
	"azure-native:network:PrivateDnsZoneGroup":  true,
}

func TestEveryTaggableResourceCarriesTheStackTags(t *testing.T) {
	for _, name := range stacks {
		res := deploy(t, name)
		checked := 0
		for _, r := range res.Custom() {
			if untaggable[r.Type] || !strings.HasPrefix(r.Type, "azure-native:") {
				continue
			}
			checked++
			want := map[string]string{"project": "gpu-orchestration", "stack": name, "managed-by": "pulumi", "environment": name, "cost-center": "ml-platform"}
			for k, v := range want {
				if got := r.String("tags." + k); got != v {
					t.Errorf("%s: %s %s tag %s = %q, want %q", name, r.Type, r.Name, k, got, v)
				}
			}
		}
		if checked < 5 {
			t.Errorf("%s: only %d taggable resources checked", name, checked)
		}
	}
}

// Every azure-native resource, from the SDK modules, the hand-typed bindings
// or newContainerApp, registers the one provider version the stack pins
// (binding.AzureNativeVersion, which components/binding's test ties to
// go.mod): a bump of one place without the others fails here.
func TestComponentsParentEveryResourceAndPinTheProvider(t *testing.T) {
	tokens := regexp.MustCompile(`^gpu-orchestration:[a-z]+:[A-Z][A-Za-z]+$`)
	for _, name := range stacks {
		res := deploy(t, name)
		pinned := 0
		for _, r := range res.Resources {
			if !r.Custom {
				if !tokens.MatchString(r.Type) {
					t.Errorf("%s: component %s has token %s", name, r.Name, r.Type)
				}
				continue
			}
			if !strings.Contains(r.Parent, "gpu-orchestration:") {
				t.Errorf("%s: %s %s is not a child of a tier component (parent %q)", name, r.Type, r.Name, r.Parent)
			}
			if !strings.HasPrefix(r.Type, "azure-native:") {
				continue
			}
			pinned++
			if r.ProviderVersion != binding.AzureNativeVersion {
				t.Errorf("%s: %s %s registered with provider version %q, want %s", name, r.Type, r.Name, r.ProviderVersion, binding.AzureNativeVersion)
			}
		}
		if pinned == 0 {
			t.Errorf("%s: no azure-native resource registered", name)
		}
	}
}

func TestOutputs(t *testing.T) {
	res := deploy(t, "dev")
	for key, want := range map[string]string{
		"workQueueName":   "inference-work",
		"poisonQueueName": "inference-poison",
	} {
		if got := res.Outputs[key].Value; got != want {
			t.Errorf("output %s = %v, want %v", key, got, want)
		}
	}
	if uri, _ := res.Outputs["keyVaultUri"].Value.(string); !strings.HasPrefix(uri, "https://kv-gpuorch-dev-") {
		t.Errorf("keyVaultUri = %q", uri)
	}
}
