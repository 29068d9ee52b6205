// Package stack is the Pulumi program: load and validate the config, build
// the platform, and name the stack's outputs. main.go only runs it.
package stack

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// Run is the program `pulumi up` runs: it exports every output of Program.
func Run(ctx *pulumi.Context) error {
	outputs, err := Program(ctx)
	if err != nil {
		return err
	}
	for name, value := range outputs {
		ctx.Export(name, value)
	}
	return nil
}

// Program declares the platform, or for the global stack the front door
// before the regions' platforms (global.go), and returns the stack outputs
// by name. Config errors return before any resource is declared.
func Program(ctx *pulumi.Context) (pulumi.Map, error) {
	cfg, err := config.Load(ctx)
	if err != nil {
		return nil, err
	}
	client, err := authorization.GetClientConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the deploying identity's subscription and tenant: %w", err)
	}
	if cfg.Deployment.Global() {
		return globalProgram(ctx, cfg, client.SubscriptionId)
	}
	membership, err := joinGlobal(ctx, cfg)
	if err != nil {
		return nil, err
	}
	platform, err := components.NewPlatform(ctx, "gpuorch", &components.PlatformArgs{
		Config:         *cfg,
		Project:        ctx.Project(),
		SubscriptionID: client.SubscriptionId,
		TenantID:       client.TenantId,
		Membership:     membership,
	})
	if err != nil {
		return nil, err
	}
	models := pulumi.Map{}
	for _, m := range platform.Models {
		models[m.Model.Name] = pulumi.Map{
			"gpuType":     pulumi.String(string(m.Model.GPU)),
			"appName":     m.AppName,
			"internalUrl": m.InternalURL,
			"image":       m.Image,
			"poolId":      platform.Batch.PoolIDOf[m.Model.GPU],
		}
	}
	// inferenceUrl and batchPoolId are the default model's app and pool, as
	// in a single-model stack; models has every model's.
	def := platform.Models[0]
	return pulumi.Map{
		// location is the region the global stack knows this stack by.
		"location":             pulumi.String(cfg.Location),
		"resourceGroupName":    platform.ResourceGroupName,
		"workspaceId":          platform.Observability.WorkspaceID,
		"actionGroupId":        platform.Observability.ActionGroupID,
		"keyVaultUri":          platform.Vault.VaultURI,
		"storageAccountName":   platform.Storage.AccountName,
		"queueEndpoint":        platform.Storage.QueueEndpoint,
		"blobEndpoint":         platform.Storage.BlobEndpoint,
		"workQueueName":        platform.Storage.WorkQueueName,
		"poisonQueueName":      platform.Storage.PoisonQueueName,
		"requestContainer":     platform.Storage.RequestContainerName,
		"resultContainer":      platform.Storage.ResultContainerName,
		"registryName":         platform.Registry.RegistryName,
		"registryLoginServer":  platform.Registry.LoginServer,
		"inferenceUrl":         def.InternalURL,
		"batchAccountEndpoint": platform.Batch.AccountEndpoint,
		"batchPoolId":          platform.Batch.PoolIDOf[def.Model.GPU],
		"models":               models,
		"routerUrl":            platform.Router.URL,
		"apiKey":               platform.APIKey,
		"dashboardUrl":         platform.Dashboard.URL,
	}, nil
}
