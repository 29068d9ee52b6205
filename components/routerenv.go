package components

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/pricing"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// routingSettings are the Key Vault secrets the router reads, under the
// recipe's names as the router declares them.
func routingSettings(args *PlatformArgs) map[string]pulumi.StringInput {
	return map[string]pulumi.StringInput{
		router.SecretRealtimeThresholdMs: pulumi.String(strconv.Itoa(args.Routing.RealtimeThresholdMs)),
		router.SecretBatchCostThreshold:  pulumi.String(strconv.FormatFloat(args.Routing.BatchCostThreshold, 'f', -1, 64)),
		router.SecretMaxACAReplicas:      pulumi.String(strconv.Itoa(args.Inference.MaxReplicas)),
		router.SecretMaxBatchNodes:       pulumi.String(strconv.Itoa(args.Batch.MaxNodes)),
		router.SecretModelVersion:        pulumi.String(args.Routing.ModelVersion),
		router.SecretGPUMemoryLimit:      pulumi.String(args.Routing.GPUMemoryLimit),
	}
}

// routerEnv is the router's configuration, under the names its contract
// declares (router/config): endpoints, names and the tunables the stack knows
// better than a default. It authenticates as its identity (AZURE_CLIENT_ID),
// so no key or connection string appears here. A stack test loads this
// environment through the router's own loader.
func routerEnv(args *PlatformArgs, ids *identities, vault *Vault, store *Storage, inference *Inference, bat *Batch, image pulumi.StringInput) map[string]pulumi.StringInput {
	env := map[string]pulumi.StringInput{
		routerconfig.EnvAddr:                 pulumi.String(fmt.Sprintf("0.0.0.0:%d", RouterPort)),
		routerconfig.EnvAzureClientID:        ids.router.ClientId,
		routerconfig.EnvKeyVaultURI:          vault.VaultURI,
		routerconfig.EnvQueueEndpoint:        store.QueueEndpoint,
		routerconfig.EnvBlobEndpoint:         store.BlobEndpoint,
		routerconfig.EnvWorkQueue:            store.WorkQueueName,
		routerconfig.EnvPoisonQueue:          store.PoisonQueueName,
		routerconfig.EnvRequestContainer:     store.RequestContainerName,
		routerconfig.EnvResultContainer:      store.ResultContainerName,
		routerconfig.EnvInferenceURL:         pulumi.Sprintf("%s%s", inference.InternalURL, args.Inference.Path),
		routerconfig.EnvExecutor:             pulumi.String(routerconfig.ExecutorAzureBatch),
		routerconfig.EnvBatchAccountEndpoint: bat.AccountEndpoint,
		routerconfig.EnvBatchPoolID:          bat.PoolID,
		routerconfig.EnvBatchJobID:           pulumi.String(routerconfig.Default().Batch.JobID),
		routerconfig.EnvBatchNodeIdentity:    ids.pool.ID().ToStringOutput(),
		routerconfig.EnvBatchCommand:         pulumi.String(args.Inference.BatchCommand),
		routerconfig.EnvInferenceImage:       image,
		routerconfig.EnvReplicaConcurrency:   pulumi.String(strconv.Itoa(args.Inference.Concurrency)),
		routerconfig.EnvMinReplicas:          pulumi.String(strconv.Itoa(args.Inference.MinReplicas)),
		routerconfig.EnvColdStart:            pulumi.String(fmt.Sprintf("%ds", args.Routing.ColdStartSeconds)),
		routerconfig.EnvScaleDownDelay:       pulumi.String(fmt.Sprintf("%ds", args.Inference.CooldownSeconds)),
		routerconfig.EnvMaxBodyBytes:         pulumi.String(strconv.Itoa(args.Routing.MaxBodyBytes)),
	}
	if len(args.Router.AllowedOrigins) > 0 {
		env[routerconfig.EnvCORSOrigins] = pulumi.String(strings.Join(args.Router.AllowedOrigins, ","))
	}
	// The micro-batch format: the dispatcher writes the lines the pool's
	// batch command reads (docs/openai.md).
	env[routerconfig.EnvInferenceAPI] = pulumi.String(args.Inference.API)
	for k, v := range routerPrices(args, pricing.Default()) {
		env[k] = pulumi.String(v)
	}
	return env
}

// routerPrices gives the router the prices its cost comparison uses, for the
// stack's GPU profile and pool size, from the same table as the offline
// estimate (internal/azure/pricing). A size the table lacks keeps the router's default.
func routerPrices(args *PlatformArgs, t pricing.Table) map[string]string {
	out := map[string]string{}
	if usd, ok := t.ReplicaPerSecond(args.GPU.WorkloadProfileType(), args.GPU.ReplicaCPU(), args.GPU.ReplicaMemoryGiB()); ok {
		out[routerconfig.EnvRealtimePricePerSecond] = strconv.FormatFloat(usd, 'g', 6, 64)
	}
	if usd, ok := t.NodePerSecond(args.Batch.VMSize, args.Batch.Spot); ok {
		out[routerconfig.EnvBatchPricePerSecond] = strconv.FormatFloat(usd, 'g', 6, 64)
	}
	return out
}
