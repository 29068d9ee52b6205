package components

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/pricing"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// routingSettings are the Key Vault secrets the router reads, under the
// recipe's names as the router declares them. The settings every model may
// have its own value of (router.ModelSettingSecrets) are the default
// model's under the recipe's names, as in a single-model stack, and every
// other model's under router.ModelSecret (max-aca-replicas--<key>), so an
// operator retunes one model without a deploy.
func routingSettings(args *PlatformArgs) map[string]pulumi.StringInput {
	out := map[string]pulumi.StringInput{
		router.SecretRealtimeThresholdMs: pulumi.String(strconv.Itoa(args.Routing.RealtimeThresholdMs)),
		router.SecretBatchCostThreshold:  pulumi.String(strconv.FormatFloat(args.Routing.BatchCostThreshold, 'f', -1, 64)),
	}
	for i, m := range args.Models {
		for setting, v := range modelSettings(m) {
			if i > 0 {
				setting = router.ModelSecret(setting, m.Key)
			}
			out[setting] = pulumi.String(v)
		}
	}
	return out
}

// rolloutSecrets are the models' rollout secrets, each written empty ({}):
// the router writes a rolled-back canary there (router.SecretRollout), so
// that a rollback outlasts restarts. A model that lists revisions has one,
// kept while it lists any, so that a promotion (the canary first, alone)
// keeps the secret the router writes to.
func rolloutSecrets(models []config.Model) map[string]string {
	out := map[string]string{}
	for _, m := range models {
		if n := m.RolloutSecret(); n != "" {
			out[n] = "{}"
		}
	}
	return out
}

// modelSettings are a model's values of router.ModelSettingSecrets.
func modelSettings(m config.Model) map[string]string {
	return map[string]string{
		router.SecretMaxACAReplicas: strconv.Itoa(m.App.MaxReplicas),
		router.SecretMaxBatchNodes:  strconv.Itoa(m.MaxBatchNodes),
		router.SecretModelVersion:   m.Version,
		router.SecretGPUMemoryLimit: m.GPUMemoryLimit,
	}
}

// routerEnv is the router's configuration, under the names its contract
// declares (router/config): endpoints, names, the models (MODELS) and the
// tunables the stack knows better than a default. It authenticates as its
// identity (AZURE_CLIENT_ID), so no key or connection string appears here.
// The default model's figures are the router's own settings, as in a
// single-model stack; a stack test loads this environment through the
// router's own loader.
func routerEnv(args *PlatformArgs, ids *identities, vault *Vault, store *Storage, models []*ModelDeployment, bat *Batch) map[string]pulumi.StringInput {
	first := args.Models[0]
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
		routerconfig.EnvExecutor:             pulumi.String(routerconfig.ExecutorAzureBatch),
		routerconfig.EnvBatchAccountEndpoint: bat.AccountEndpoint,
		routerconfig.EnvBatchJobID:           pulumi.String(routerconfig.Default().Batch.JobID),
		routerconfig.EnvBatchNodeIdentity:    ids.pool.ID().ToStringOutput(),
		routerconfig.EnvReplicaConcurrency:   pulumi.String(strconv.Itoa(first.App.Concurrency)),
		routerconfig.EnvMinReplicas:          pulumi.String(strconv.Itoa(first.App.MinReplicas)),
		routerconfig.EnvColdStart:            pulumi.String(fmt.Sprintf("%ds", first.ColdStartSeconds)),
		routerconfig.EnvScaleDownDelay:       pulumi.String(fmt.Sprintf("%ds", first.App.CooldownSeconds)),
		routerconfig.EnvMaxBodyBytes:         pulumi.String(strconv.Itoa(args.Routing.MaxBodyBytes)),
		routerconfig.EnvModels:               routerModels(args, models, bat, pricing.Default()),
	}
	if m := args.Membership; m != nil {
		maps.Copy(env, m.regionEnv())
	}
	if len(args.Router.AllowedOrigins) > 0 {
		env[routerconfig.EnvCORSOrigins] = pulumi.String(strings.Join(args.Router.AllowedOrigins, ","))
	}
	p := prices(args, first, pricing.Default())
	if p.realtime > 0 {
		env[routerconfig.EnvRealtimePricePerSecond] = pulumi.String(strconv.FormatFloat(p.realtime, 'g', 6, 64))
	}
	if p.batch > 0 {
		env[routerconfig.EnvBatchPricePerSecond] = pulumi.String(strconv.FormatFloat(p.batch, 'g', 6, 64))
	}
	return env
}

// routerModels is MODELS: each model as the router's contract describes it
// (routerconfig.Model), with where its app answers, the image its Batch
// tasks run and the pool of its GPU, and its revisions' apps. The default
// model leaves its Key Vault-backed settings (version, GPU memory, replica
// and node caps) to the router's settings, which the recipe's secrets set,
// so those secrets keep tuning it as in a single-model stack; the others
// carry their own and have their own secrets (routingSettings).
func routerModels(args *PlatformArgs, models []*ModelDeployment, bat *Batch, t pricing.Table) pulumi.StringOutput {
	var outs []any
	for _, md := range models {
		outs = append(outs, md.InternalURL, md.Image, bat.PoolIDOf[md.Model.GPU])
		for _, c := range md.Canaries {
			outs = append(outs, c.InternalURL, c.Image)
		}
	}
	return pulumi.All(outs...).ApplyT(func(v []any) (string, error) {
		next := func() string {
			s := v[0].(string)
			v = v[1:]
			return s
		}
		list := make([]routerconfig.Model, len(models))
		for i, md := range models {
			appURL, image, poolID := next(), next(), next()
			list[i] = routerModel(md.Model, i == 0, appURL, image, poolID, prices(args, md.Model, t))
			canaries := make([]deployedCanary, len(md.Canaries))
			for j := range canaries {
				canaries[j] = deployedCanary{rev: md.Canaries[j].Revision, url: next(), image: next()}
			}
			list[i].Revisions, list[i].Rollback = routerRollout(md.Model, list[i], canaries)
		}
		b, err := json.Marshal(list)
		return string(b), err
	}).(pulumi.StringOutput)
}

func routerModel(m config.Model, isDefault bool, appURL, image, poolID string, p modelPrices) routerconfig.Model {
	rm := routerconfig.Model{
		Name: m.Name, Aliases: m.Aliases, Key: m.Key,
		Fallbacks: m.Fallbacks, FallbackByDefault: m.FallbackByDefault,
		InferenceURL: appURL + m.App.Path, API: m.App.API,
		Image: image, BatchCommand: m.App.BatchCommand, PoolID: poolID,
		MinReplicas: m.App.MinReplicas, Concurrency: m.App.Concurrency,
		ColdStartSeconds: m.ColdStartSeconds, CooldownSeconds: m.App.CooldownSeconds,
		RealtimePricePerSecond: p.realtime, BatchPricePerSecond: p.batch,
	}
	if !isDefault {
		rm.Version, rm.GPUMemoryLimit = m.Version, m.GPUMemoryLimit
		rm.MaxReplicas, rm.MaxBatchNodes = m.App.MaxReplicas, m.MaxBatchNodes
	}
	return rm
}

// deployedCanary is a canary revision with where its app answers and the
// image it runs.
type deployedCanary struct {
	rev        config.Revision
	url, image string
}

// routerRollout are model m's revisions and rollback thresholds as the
// router reads them: the stable revision on the model's app (rm), with the
// model's image and version — the version left to the model's, which Key
// Vault's model-version tunes — and each canary on its own app with its own
// image and version. None for a model without revisions.
func routerRollout(m config.Model, rm routerconfig.Model, canaries []deployedCanary) ([]routerconfig.Revision, *routerconfig.Rollback) {
	if len(m.Revisions) == 0 {
		return nil, nil
	}
	stable := m.Revisions[0]
	revs := []routerconfig.Revision{{Name: stable.Name, InferenceURL: rm.InferenceURL, Image: rm.Image, Weight: stable.Weight}}
	for _, c := range canaries {
		revs = append(revs, routerconfig.Revision{
			Name: c.rev.Name, InferenceURL: c.url + m.App.Path,
			Image: c.image, Version: c.rev.Version, Weight: c.rev.Weight,
		})
	}
	var rb *routerconfig.Rollback
	if t := m.Rollback; t != nil {
		rb = &routerconfig.Rollback{
			MaxErrorRatio: t.MaxErrorRatio, LatencyPercentile: t.LatencyPercentile, MaxLatencyRatio: t.MaxLatencyRatio,
			MinRequests: t.MinRequests, WindowSeconds: t.WindowSeconds,
		}
	}
	return revs, rb
}

// modelPrices are what the router's cost comparison uses for a model: a
// replica-second of its GPU profile and a node-second of its pool, from the
// same table as the offline estimate (internal/azure/pricing); zero for
// what the table lacks (the router then keeps its default).
type modelPrices struct{ realtime, batch float64 }

func prices(args *PlatformArgs, m config.Model, t pricing.Table) modelPrices {
	var p modelPrices
	if usd, ok := t.ReplicaPerSecond(m.GPU.WorkloadProfileType(), m.GPU.ReplicaCPU(), m.GPU.ReplicaMemoryGiB()); ok {
		p.realtime = sixDigits(usd)
	}
	if i := args.PoolIndex(m.GPU); i >= 0 {
		pool := args.Pools()[i]
		if usd, ok := t.NodePerSecond(pool.VMSize, pool.Spot); ok {
			p.batch = sixDigits(usd)
		}
	}
	return p
}

// sixDigits rounds a price to six significant digits, as the environment
// variables print it, so MODELS and the router's own settings agree.
func sixDigits(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 6, 64), 64)
	return v
}
