package components

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/internal/pricing"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	rc "github.com/gpu-orchestration/gpu-orchestration/router/config"
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
		rc.EnvAddr:                 pulumi.String(fmt.Sprintf("0.0.0.0:%d", RouterPort)),
		rc.EnvAzureClientID:        ids.router.ClientId,
		rc.EnvKeyVaultURI:          vault.VaultURI,
		rc.EnvQueueEndpoint:        store.QueueEndpoint,
		rc.EnvBlobEndpoint:         store.BlobEndpoint,
		rc.EnvWorkQueue:            store.WorkQueueName,
		rc.EnvPoisonQueue:          store.PoisonQueueName,
		rc.EnvRequestContainer:     store.RequestContainerName,
		rc.EnvResultContainer:      store.ResultContainerName,
		rc.EnvInferenceURL:         pulumi.Sprintf("%s%s", inference.InternalURL, args.Inference.Path),
		rc.EnvExecutor:             pulumi.String(rc.ExecutorAzureBatch),
		rc.EnvBatchAccountEndpoint: bat.AccountEndpoint,
		rc.EnvBatchPoolID:          bat.PoolID,
		rc.EnvBatchJobID:           pulumi.String(rc.Default().Batch.JobID),
		rc.EnvBatchNodeIdentity:    ids.pool.ID().ToStringOutput(),
		rc.EnvBatchCommand:         pulumi.String(args.Inference.BatchCommand),
		rc.EnvInferenceImage:       image,
		rc.EnvReplicaConcurrency:   pulumi.String(strconv.Itoa(args.Inference.Concurrency)),
		rc.EnvMinReplicas:          pulumi.String(strconv.Itoa(args.Inference.MinReplicas)),
		rc.EnvColdStart:            pulumi.String(fmt.Sprintf("%ds", args.Routing.ColdStartSeconds)),
		rc.EnvScaleDownDelay:       pulumi.String(fmt.Sprintf("%ds", args.Inference.CooldownSeconds)),
		rc.EnvMaxBodyBytes:         pulumi.String(strconv.Itoa(args.Routing.MaxBodyBytes)),
	}
	// The micro-batch format: the dispatcher writes the lines the pool's
	// batch command reads (docs/openai.md).
	env[rc.EnvInferenceAPI] = pulumi.String(args.Inference.API)
	for k, v := range routerPrices(args, pricing.Default()) {
		env[k] = pulumi.String(v)
	}
	return env
}

// routerPrices gives the router the prices its cost comparison uses, for the
// stack's GPU profile and pool size, from the same table as the offline
// estimate (internal/pricing). A size the table lacks keeps the router's default.
func routerPrices(args *PlatformArgs, t pricing.Table) map[string]string {
	out := map[string]string{}
	if usd, ok := t.ReplicaPerSecond(args.GPU.WorkloadProfileType(), args.GPU.ReplicaCPU(), args.GPU.ReplicaMemoryGiB()); ok {
		out[rc.EnvRealtimePricePerSecond] = strconv.FormatFloat(usd, 'g', 6, 64)
	}
	if usd, ok := t.NodePerSecond(args.Batch.VMSize, args.Batch.Spot); ok {
		out[rc.EnvBatchPricePerSecond] = strconv.FormatFloat(usd, 'g', 6, 64)
	}
	return out
}
