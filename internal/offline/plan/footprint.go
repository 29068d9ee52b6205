package plan

import (
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/gpus"
	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/pricing"
)

// Resource types the cost model reads.
const (
	typeContainerApp = "azure-native:app/v20250101:ContainerApp"
	typeEnvironment  = "azure-native:app/v20250101:ManagedEnvironment"
	typePool         = "azure-native:batch:Pool"
	typeRegistry     = "azure-native:containerregistry:Registry"
	typeWorkspace    = "azure-native:operationalinsights:Workspace"
	typeStorage      = "azure-native:storage:StorageAccount"
	typeVault        = "azure-native:keyvault:Vault"
	typeSecret       = "azure-native:keyvault:Secret"
	typeBudget       = "azure-native:consumption:Budget"
	typeEndpoint     = "azure-native:network:PrivateEndpoint"
	typePrivateZone  = "azure-native:network:PrivateZone"
)

// Footprint reads what the stack is billed for from the plan's resources:
// app sizes, profiles and scale bounds, pool VM sizes, SKUs, retention.
// A pool's node limit and Spot choice come from the stack's config (the
// formula that carries them is opaque to a reader of inputs), matched by
// its VM size's GPU.
func Footprint(doc Document, cfg *config.Config) pricing.Footprint {
	fp := pricing.Footprint{}
	profiles := map[string]string{} // workload profile name → type, over every environment
	for _, r := range doc.Resources {
		if r.Type != typeEnvironment {
			continue
		}
		if fp.Region == "" {
			fp.Region = r.Str("location")
		}
		if r.At("vnetConfiguration.infrastructureSubnetId") != nil {
			fp.EnvironmentsInNetwork = append(fp.EnvironmentsInNetwork, r.Name)
		}
		list, _ := r.At("workloadProfiles").([]any)
		for _, p := range list {
			if m, ok := p.(map[string]any); ok {
				name, _ := m["name"].(string)
				typ, _ := m["workloadProfileType"].(string)
				profiles[name] = typ
			}
		}
	}
	for _, r := range doc.Resources {
		switch r.Type {
		case typeContainerApp:
			fp.Apps = append(fp.Apps, appOf(r, profiles))
		case typePool:
			p := pricing.Pool{Name: r.Name, VMSize: r.Str("vmSize")}
			if cfg != nil {
				p.MaxNodes, p.Spot = poolLimits(cfg, p.VMSize)
			}
			fp.Pools = append(fp.Pools, p)
		case typeRegistry:
			fp.Registries = append(fp.Registries, pricing.Registry{Name: r.Name, SKU: r.Str("sku.name")})
		case typeWorkspace:
			days, _ := r.Num("retentionInDays")
			fp.Workspaces = append(fp.Workspaces, pricing.Workspace{Name: r.Name, SKU: r.Str("sku.name"), RetentionDays: int(days)})
			if fp.Region == "" {
				fp.Region = r.Str("location")
			}
		case typeStorage:
			fp.StorageAccounts = append(fp.StorageAccounts, r.Name)
			if sku := r.Str("sku.name"); sku != "Standard_LRS" {
				if fp.StorageNotLRS == nil {
					fp.StorageNotLRS = map[string]string{}
				}
				fp.StorageNotLRS[r.Name] = sku
			}
		case typeVault:
			fp.KeyVaults = append(fp.KeyVaults, r.Name)
		case typeSecret:
			fp.KeyVaultSecrets++
		case typeBudget:
			fp.MonthlyBudget, _ = r.Num("amount")
		case typeEndpoint:
			fp.PrivateEndpoints = append(fp.PrivateEndpoints, r.Name)
		case typePrivateZone:
			fp.PrivateDNSZones = append(fp.PrivateDNSZones, r.Str("privateZoneName"))
		}
	}
	return fp
}

// appOf sums the containers' resources of one replica. An app without a
// workloadProfileName runs on the Consumption profile.
func appOf(r Resource, profiles map[string]string) pricing.App {
	app := pricing.App{Name: r.Name, ProfileType: pricing.ConsumptionProfile}
	if name := r.Str("workloadProfileName"); name != "" {
		if typ, ok := profiles[name]; ok {
			app.ProfileType = typ
		} else {
			app.ProfileType = name
		}
	}
	containers, _ := r.At("template.containers").([]any)
	for _, c := range containers {
		m, _ := c.(map[string]any)
		res, _ := m["resources"].(map[string]any)
		cpu, _ := number(res["cpu"])
		mem, _ := gibOf(res["memory"])
		app.VCPU += cpu
		app.MemoryGiB += mem
	}
	minR, _ := r.Num("template.scale.minReplicas")
	maxR, ok := r.Num("template.scale.maxReplicas")
	if !ok {
		maxR = 10 // the Container Apps default when maxReplicas is unset
	}
	app.MinReplicas, app.MaxReplicas = int(minR), int(maxR)
	if strings.EqualFold(app.ProfileType, "consumption") {
		app.ProfileType = pricing.ConsumptionProfile
	}
	return app
}

// poolLimits are the node cap and Spot choice of the stack's pool for the
// GPU a VM size carries (config.Config.Pools).
func poolLimits(cfg *config.Config, vmSize string) (maxNodes int, spot bool) {
	g, _ := gpus.OfVMSize(vmSize)
	for _, p := range cfg.Pools() {
		if string(p.GPU) == string(g) {
			return p.MaxNodes, p.Spot
		}
	}
	return 0, cfg.Batch.Spot
}
