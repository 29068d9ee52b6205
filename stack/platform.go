package stack

import (
	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// platformArgs maps the stack's validated configuration onto the platform's
// own inputs; the components know nothing of the stack's config keys.
func platformArgs(cfg *config.Config, project, subscriptionID, tenantID, budgetStart string) *components.PlatformArgs {
	rg := cfg.ResourceGroupName
	if rg == config.ResourceGroupCreate {
		rg = ""
	}
	return &components.PlatformArgs{
		Project:           project,
		Stack:             cfg.Stack,
		SubscriptionID:    subscriptionID,
		TenantID:          tenantID,
		Location:          cfg.Location,
		ResourceGroupName: rg,
		Tags:              cfg.ExtraTags,
		Monitoring: components.MonitoringSettings{
			LogRetentionDays: cfg.LogRetentionDays,
			AlertEmails:      cfg.AlertEmails,
			MonthlyBudget:    cfg.MonthlyBudget,
			BudgetStartDate:  budgetStart,
			QueueDepthAlert:  cfg.QueueDepthAlert,
		},
		KeyVault: components.KeyVaultSettings{
			PurgeProtection: cfg.KeyVaultPurgeProtection,
			SoftDeleteDays:  cfg.KeyVaultSoftDeleteDays,
		},
		PayloadRetentionDays: cfg.PayloadRetentionDays,
		RetainData:           cfg.RetainData,
		RegistryAdminUser:    cfg.Registry.AdminUser,
		InferenceImage:       cfg.Inference.Image,
		RouterImage:          cfg.Router.Image,
		GPU: components.GPUProfile{
			Name:                string(cfg.GPU),
			WorkloadProfileType: cfg.GPU.WorkloadProfileType(),
			CPU:                 cfg.GPU.ReplicaCPU(),
			MemoryGiB:           cfg.GPU.ReplicaMemoryGiB(),
		},
		Inference: components.InferenceApp{
			Port:            cfg.Inference.Port,
			Path:            cfg.Inference.Path,
			HealthPath:      cfg.Inference.HealthPath,
			MinReplicas:     cfg.Inference.MinReplicas,
			MaxReplicas:     cfg.Inference.MaxReplicas,
			Concurrency:     cfg.Inference.Concurrency,
			CooldownSeconds: cfg.Inference.CooldownSeconds,
		},
		Pool: components.PoolSettings{
			VMSize:   cfg.Batch.VMSize,
			MaxNodes: cfg.Batch.MaxNodes,
			Spot:     cfg.Batch.Spot,
			Command:  cfg.Inference.BatchCommand,
			API:      cfg.Inference.API,
		},
		RouterMaxReplicas: cfg.Router.MaxReplicas, RouterAllowedOrigins: cfg.Router.AllowedOrigins,
		Routing: components.RoutingSettings{
			RealtimeThresholdMs: cfg.Routing.RealtimeThresholdMs,
			BatchCostThreshold:  cfg.Routing.BatchCostThreshold,
			ColdStartSeconds:    cfg.Routing.ColdStartSeconds,
			ModelVersion:        cfg.Routing.ModelVersion,
			GPUMemoryLimit:      cfg.Routing.GPUMemoryLimit,
			MaxBodyBytes:        cfg.Routing.MaxBodyBytes,
		},
		Network: components.NetworkSettings{Isolation: cfg.Network.Isolation, AddressSpace: cfg.Network.AddressSpace},
	}
}
