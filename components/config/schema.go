package config

import (
	"strconv"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// Namespace is the project's config namespace: keys are "gpu-orchestration:<key>".
const Namespace = "gpu-orchestration"

// Key describes one stack config key. The same table is declared in
// Pulumi.yaml (a test keeps the two equal), so `pulumi config` users see the
// schema and the program's defaults cannot drift from it.
type Key struct {
	Name        string
	Type        string // string | integer | boolean | array | object, as Pulumi.yaml spells them
	Default     any    // JSON-shaped: string, int, bool, []any, map[string]any
	Description string
}

// routerDefault is the router's own configuration contract: the keys that set
// a router setting take its default from there, so a stack that leaves them
// alone runs the router exactly as a router started without them would.
var routerDefault = routerconfig.Default()

// Keys is every config key the program reads, in documentation order.
var Keys = []Key{
	{"location", "string", "westus3", "Azure region for every resource. Must offer every model's serverless GPU (gpuType)."},
	{"resourceGroupName", "string", "create", `Existing resource group to deploy into, or "create" for a new rg-gpuorch-<stack>.`},
	{"models", "array", []any{}, "The model deployments, each an object with at least name (the id clients send as model) and gpuType, and optionally key, aliases, fallbacks, fallbackByDefault, revisions and rollback (README, Revisions of a model) and any per-model field below (README, A fleet of models). Empty: one model described by the single-model keys, named by modelVersion. The first model is the stack's default model."},
	{"gpuType", "string", "T4", "Serverless GPU of the single model: T4 (Consumption-GPU-NC8as-T4) or A100 (Consumption-GPU-NC24-A100). With models, each model sets its own."},
	{"gpuQuota", "object", map[string]any{}, "Serverless GPUs of each type the subscription may run in the region (its quota), e.g. {T4: 4, A100: 2}: the policy pack's gpu-replicas-within-quota fails a plan whose apps on a type allow more replicas together. A type left out is not judged."},
	{"gpuRegionCheck", "string", "strict", `"strict" rejects a location not documented for a model's GPU type; "off" accepts any region (for regions added after the docs this stack cites).`},
	{"inferenceMinReplicas", "integer", 0, "Minimum GPU replicas of a model's app; 0 lets it scale to zero (models[i].minReplicas)."},
	{"inferenceMaxReplicas", "integer", 2, "Maximum GPU replicas of a model's app, each replica one GPU (models[i].maxReplicas)."},
	{"inferenceConcurrency", "integer", 8, "Concurrent requests per replica above which a model's HTTP scale rule adds one (a target, not a cap: a replica serves more, each stream slower; models[i].concurrency)."},
	{"inferenceCooldownSeconds", "integer", 60, "Seconds without requests before a model's app scales to its minimum replicas (the scale rule's cooldownPeriod; also the router's warm-state estimate; models[i].cooldownSeconds). Scale-in between replicas follows the platform's fixed 300 s stabilization window."},
	{"inferenceImage", "string", "", "A model's inference image; empty uses the reference model built from refmodel/Dockerfile (models[i].image)."},
	{"inferencePort", "integer", 8000, "Port a model's image serves HTTP on (models[i].port)."},
	{"inferencePath", "string", "/infer", "HTTP path of a model's realtime endpoint (models[i].path)."},
	{"inferenceHealthPath", "string", "/healthz", "HTTP path a model's image answers health probes on (models[i].healthPath)."},
	{"inferenceBatchCommand", "string", routerDefault.Batch.Command, "Command the Batch pool runs in a model's image for a micro-batch (reads " + router.BatchEnvInputPath + ", writes " + router.BatchEnvOutputPath + "; models[i].batchCommand)."},
	{"inferenceApi", "string", routerDefault.InferenceAPI, "Format of the micro-batch files a model's batch command reads and writes: reference ({id, body} lines, the reference model) or openai (OpenAI batch lines, e.g. vLLM's run-batch); the router's OpenAI Batch API needs openai (models[i].api)."},
	{"coldStartSeconds", "integer", int(routerDefault.Settings.ColdStart / time.Second), "Estimated cold start of a model's GPU replica (image pull plus model load), used by the router's decision (models[i].coldStartSeconds)."},
	{"batchVmSize", "string", "", "VM size of the Batch pool of the GPU it carries (one pool per GPU type); empty, or for the other GPU types, the GPU's default: Standard_NC4as_T4_v3 (T4), Standard_NC24ads_A100_v4 (A100)."},
	{"batchMaxNodes", "integer", 2, "Micro-batches of a model the router runs at once on Spot nodes (max-batch-nodes; models[i].maxBatchNodes); a pool's autoscale formula allows the sum over its models."},
	{"batchSpot", "boolean", true, "Use Spot (low-priority) nodes for the Batch pools; false uses dedicated nodes."},
	{"realtimeThresholdMs", "integer", int(routerDefault.Settings.RealtimeThreshold / time.Millisecond), "Key Vault realtime-threshold-ms: requests with a deadline at or below this go realtime."},
	{"batchCostThreshold", "string", strconv.FormatFloat(routerDefault.Settings.BatchCostThreshold, 'f', -1, 64), "Key Vault batch-cost-threshold: estimated realtime cost in USD per request above which work that may wait goes to batch."},
	{"modelVersion", "string", routerDefault.Settings.ModelVersion, "Name and Key Vault model-version of the single model: the id clients send as model, which the router reports and pins jobs to. With models, each model has its name and models[i].modelVersion."},
	{"gpuMemoryLimit", "string", "", `Key Vault gpu-memory-limit of a model, e.g. "14Gi"; empty means its GPU's memory (16Gi T4, 80Gi A100; models[i].gpuMemoryLimit).`},
	{"maxBodyBytes", "integer", int(routerDefault.MaxBodyBytes), "Largest request body the router accepts, in bytes."},
	{"alertEmails", "array", []any{}, "E-mail addresses that receive alerts and budget notifications (at least one)."},
	{"queueDepthAlert", "integer", 1000, "Queue messages (hourly average) above which the queue-depth alert fires."},
	{"monthlyBudget", "integer", 500, "Monthly budget of the stack's resource group, in the billing currency."},
	{"budgetStartDate", "string", "", "First day of the budget (YYYY-MM-01); empty means the first of the current month at first deploy."},
	{"logRetentionDays", "integer", 30, "Log Analytics retention in days (30 to 730 for PerGB2018)."},
	{"keyVaultPurgeProtection", "boolean", false, "Turn on Key Vault purge protection (cannot be turned off again once on)."},
	{"keyVaultSoftDeleteDays", "integer", 7, "Key Vault soft-delete retention in days (7 to 90)."},
	{"payloadRetentionDays", "integer", 7, "Days after which request payloads and results are deleted by the storage lifecycle rule."},
	{"retainData", "boolean", false, "Keep the Key Vault and the storage account (secrets, queues, payloads, results) in Azure when the stack is destroyed (Pulumi's retainOnDelete); the stack's next deployment names new ones, as both carry a random suffix per deployment."},
	{"routerMaxReplicas", "integer", 3, "Maximum replicas of the router app (it always keeps one)."},
	{"corsAllowedOrigins", "array", []any{}, "Browser origins (https://app.example.com, or * for any) whose pages may call the router's API with CORS; none by default. The API key is still required."},
	{"registryAdminUser", "boolean", true, "Turn on the registry's admin user so `pulumi up` can push the images it builds; off, pushes use the deployer's `az acr login`."},
	{"routerImage", "string", "", "Prebuilt router image reference; empty builds router/Dockerfile with Docker and pushes it to the stack's registry."},
	{"networkIsolation", "boolean", false, "Put storage, Key Vault, the registry and Batch behind private endpoints in a virtual network with public network access off, the Container Apps environment and the Batch pool in its subnets (the router's HTTPS ingress stays public). `pulumi up` must then run from inside the network (README, network isolation)."},
	{"networkAddressSpace", "string", "10.60.0.0/22", "IPv4 address space of the stack's virtual network when networkIsolation is on: a /16 to /22 that does not overlap the ranges Container Apps reserves; the subnets are carved from its first /22."},
	{"storageRedundancy", "string", "LRS", "How the storage account that holds accepted jobs, payloads and results is replicated: LRS (one datacenter), ZRS (three zones), GRS or RAGRS (also copied to the paired region; RA adds read access there), GZRS or RAGZRS (zones, then the paired region). Moving between LRS, GRS and RAGRS, or between ZRS, GZRS and RAGZRS, updates the account in place; across the two needs a migration first (README, Disaster recovery)."},
	{"stackKind", "string", "regional", "regional: the stack deploys one region's platform; global: it deploys only the global entry, Azure Front Door before the regionStacks (README, Several regions)."},
	{"globalStack", "string", "", "Regional stacks: the global stack (org/project/stack, or a stack of this project) this region sits behind. Set, the router learns its region (location), its peers and the front door's id from it, and accepts the deployment's API key (the global stack's) in place of its own."},
	{"spillover", "string", routerDefault.Spillover, "Regional stacks behind a global one: realtime lets a peer region answer a realtime request this region cannot answer in its deadline; off keeps every request in the region that received it (data residency)."},
	{"regionStacks", "array", []any{}, "The global stack: the regional stacks (org/project/stack, or stacks of this project) whose routers are the front door's origins, one per region."},
	{"drainedRegions", "array", []any{}, "The global stack: regions (of regionStacks) whose origin the front door takes out of rotation, e.g. while a region is being recovered; the others take their traffic."},
	{"frontDoorRateLimit", "integer", 3000, "The global stack: requests per minute one client IP may send through the front door before its web application firewall answers 429 for the rest of the minute."},
	{"tags", "object", map[string]any{}, "Extra tags on every taggable resource (project, stack and managed-by are always set)."},
}
