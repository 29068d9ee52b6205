package plan

import (
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/pricing"
)

func TestFootprintReadsSizesFromInputs(t *testing.T) {
	d := Document{Resources: []Resource{
		{Type: typeEnvironment, Name: "cae", Inputs: map[string]any{"location": "westus3", "workloadProfiles": []any{
			map[string]any{"name": "Consumption", "workloadProfileType": "Consumption"},
			map[string]any{"name": "gpu-t4", "workloadProfileType": "Consumption-GPU-NC8as-T4"}}}},
		{Type: typeContainerApp, Name: "router", Inputs: map[string]any{
			"workloadProfileName": "Consumption",
			"template": map[string]any{
				"containers": []any{map[string]any{"resources": map[string]any{"cpu": 0.5, "memory": "1Gi"}},
					map[string]any{"resources": map[string]any{"cpu": "0.25", "memory": "512Mi"}}},
				"scale": map[string]any{"minReplicas": 1.0, "maxReplicas": 3.0}}}},
		{Type: typeContainerApp, Name: "inference", Inputs: map[string]any{
			"workloadProfileName": "gpu-t4",
			"template": map[string]any{
				"containers": []any{map[string]any{"resources": map[string]any{"cpu": 8.0, "memory": "56Gi"}}},
				"scale":      map[string]any{"minReplicas": 0.0}}}},
		{Type: typePool, Name: "pool", Inputs: map[string]any{"vmSize": "Standard_NC4as_T4_v3"}},
		{Type: typeRegistry, Name: "cr", Inputs: map[string]any{"sku": map[string]any{"name": "Standard"}}},
		{Type: typeWorkspace, Name: "log", Inputs: map[string]any{"sku": map[string]any{"name": "PerGB2018"}, "retentionInDays": 90.0}},
		{Type: typeSecret, Name: "s1", Inputs: map[string]any{}},
		{Type: typeSecret, Name: "s2", Inputs: map[string]any{}},
		{Type: typeBudget, Name: "b", Inputs: map[string]any{"amount": 300.0}},
		{Type: typeEndpoint, Name: "pe-blob", Inputs: map[string]any{"groupIds": []any{"blob"}}},
		{Type: typePrivateZone, Name: "dns-blob", Inputs: map[string]any{"privateZoneName": "privatelink.blob.core.windows.net"}},
		{Type: typeEnvironment, Name: "cae-in-network", Inputs: map[string]any{"vnetConfiguration": map[string]any{"infrastructureSubnetId": "/sub/snet-cae"}}},
	}}
	cfg := &config.Config{Batch: config.Batch{Spot: false}, Models: []config.Model{{GPU: config.GPUT4, MaxBatchNodes: 4}}}
	fp := Footprint(d, cfg)
	router := pricing.App{Name: "router", ProfileType: "Consumption", VCPU: 0.75, MemoryGiB: 1.5, MinReplicas: 1, MaxReplicas: 3}
	// maxReplicas unset: the Container Apps default, 10.
	gpu := pricing.App{Name: "inference", ProfileType: "Consumption-GPU-NC8as-T4", VCPU: 8, MemoryGiB: 56, MinReplicas: 0, MaxReplicas: 10}
	if len(fp.Apps) != 2 || fp.Apps[0] != router || fp.Apps[1] != gpu {
		t.Errorf("apps %+v", fp.Apps)
	}
	if len(fp.Pools) != 1 || fp.Pools[0] != (pricing.Pool{Name: "pool", VMSize: "Standard_NC4as_T4_v3", MaxNodes: 4, Spot: false}) {
		t.Errorf("pools %+v", fp.Pools)
	}
	if fp.Region != "westus3" || fp.KeyVaultSecrets != 2 || fp.MonthlyBudget != 300 ||
		fp.Registries[0].SKU != "Standard" || fp.Workspaces[0].RetentionDays != 90 {
		t.Errorf("footprint %+v", fp)
	}
	if len(fp.PrivateEndpoints) != 1 || fp.PrivateEndpoints[0] != "pe-blob" ||
		len(fp.PrivateDNSZones) != 1 || fp.PrivateDNSZones[0] != "privatelink.blob.core.windows.net" ||
		len(fp.EnvironmentsInNetwork) != 1 || fp.EnvironmentsInNetwork[0] != "cae-in-network" {
		t.Errorf("network footprint: endpoints %v, zones %v, environments in a network %v", fp.PrivateEndpoints, fp.PrivateDNSZones, fp.EnvironmentsInNetwork)
	}
}

// A storage account replicated other than LRS is priced at LRS rates, and
// the estimate says so rather than under-count silently.
func TestStorageRedundancyOtherThanLRSIsNamedUnpriced(t *testing.T) {
	d := Document{Resources: []Resource{
		{Type: typeStorage, Name: "st-lrs", Inputs: map[string]any{"sku": map[string]any{"name": "Standard_LRS"}}},
		{Type: typeStorage, Name: "st-gzrs", Inputs: map[string]any{"sku": map[string]any{"name": "Standard_GZRS"}}},
	}}
	fp := Footprint(d, nil)
	if len(fp.StorageNotLRS) != 1 || fp.StorageNotLRS["st-gzrs"] != "Standard_GZRS" {
		t.Fatalf("accounts not LRS %v", fp.StorageNotLRS)
	}
	e := pricing.Compute(fp, pricing.Default(), pricing.DefaultAssumptions())
	var named []string
	for _, u := range e.Unpriced {
		if strings.Contains(u, "st-") {
			named = append(named, u)
		}
	}
	if len(named) != 1 || !strings.Contains(named[0], "st-gzrs: Standard_GZRS replication, priced above at Hot LRS rates") {
		t.Errorf("unpriced %v", named)
	}
}
