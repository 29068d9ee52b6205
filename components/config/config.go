// Package config is the stack's typed configuration: every key with its
// default (schema.go), parsing of the values the Pulumi CLI passes, and
// validation that rejects a bad stack before any resource is declared.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Config is a parsed and validated stack configuration. Its groups are the
// shapes the platform's tiers take as they are (components.PlatformArgs
// embeds Config, and each tier's Args embeds or names its group), so a key
// travels from the stack file to its resource through one struct.
type Config struct {
	Stack string // the Pulumi stack name, e.g. dev or prod

	Location          string
	ResourceGroupName string // "create" or an existing group
	GPURegionCheck    string
	// GPUQuota is the serverless GPUs of each type the subscription may run
	// in the region; the policy pack judges the plan by it.
	GPUQuota map[string]int

	// Models are the model deployments, in the stack's order: the models
	// list, or the one model the single-model keys describe. The first is
	// the stack's default model (models.go).
	Models     []Model
	Batch      Batch
	Routing    Routing
	Router     Router
	Registry   Registry
	Network    Network
	Monitoring Monitoring
	KeyVault   KeyVault

	PayloadRetentionDays int
	RetainData           bool
	// StorageRedundancy is the storage account's replication (LRS, ZRS,
	// GRS, RAGRS, GZRS or RAGZRS): the SKU is Standard_<StorageRedundancy>.
	StorageRedundancy string

	// Deployment is the stack's place in a multi-region deployment
	// (multiregion.go): a region's platform, alone or behind a global
	// stack, or the global stack itself.
	Deployment Deployment

	ExtraTags map[string]string

	// listed is true when the models key lists the models (errors then
	// name models[i].<field>).
	listed bool
}

// Inference is a model's serverless GPU app and its image's contract.
type Inference struct {
	// MinReplicas 0 lets the app scale to zero; MaxReplicas bounds it (one
	// GPU each).
	MinReplicas int
	MaxReplicas int
	// Concurrency is the requests per replica before the HTTP rule adds one.
	Concurrency int
	// CooldownSeconds without traffic before the app scales in.
	CooldownSeconds int
	// Image is a prebuilt inference image; "" builds the reference model.
	Image string
	// Port the image serves HTTP on; Path its realtime endpoint; HealthPath
	// what the probes ask.
	Port       int
	Path       string
	HealthPath string
	// BatchCommand is what the Batch pool runs in the image for a micro-batch.
	BatchCommand string
	// API is the micro-batch line format: "reference" or "openai".
	API string
}

// Batch is what the Batch GPU pools share (pools.go has one per GPU type).
type Batch struct {
	// VMSize, when set, sizes the pool of the GPU it carries; the other
	// pools take their GPU's default size (internal/azure/gpus).
	VMSize string
	// Spot makes the autoscale formulas target Spot nodes.
	Spot bool
}

// Routing holds the router's fleet-wide tunables: the recipe's Key Vault
// settings that hold for every model, and the request limit.
type Routing struct {
	RealtimeThresholdMs int
	BatchCostThreshold  float64
	MaxBodyBytes        int
}

// Router is the router app.
type Router struct {
	MaxReplicas int
	Image       string // "" = build router/Dockerfile
	// AllowedOrigins are the browser origins CORS admits (none: no CORS).
	AllowedOrigins []string
}

// Registry is the container registry.
type Registry struct {
	// AdminUser lets `pulumi up` push with the registry's admin user; off,
	// pushes use the deployer's `az acr login`.
	AdminUser bool
}

// Network is the stack's network isolation.
type Network struct {
	// Isolation puts the data plane behind private endpoints.
	Isolation bool
	// AddressSpace is the virtual network's IPv4 prefix (CIDR).
	AddressSpace string
}

// Monitoring is the workspace, the alerts and the budget.
type Monitoring struct {
	// LogRetentionDays of the workspace (30 to 730).
	LogRetentionDays int
	// AlertEmails receive alerts and budget notifications.
	AlertEmails []string
	// QueueDepthAlert is the work-queue depth that pages someone.
	QueueDepthAlert int
	// MonthlyBudget of the resource group, from BudgetStartDate (YYYY-MM-01;
	// "" is the current month at first deploy).
	MonthlyBudget   int
	BudgetStartDate string
}

// KeyVault is the settings vault's deletion protection.
type KeyVault struct {
	PurgeProtection bool
	SoftDeleteDays  int
}

// ResourceGroupCreate is the resourceGroupName value that asks for a new group.
const ResourceGroupCreate = "create"

// Load reads every key of the schema from the stack's configuration and
// returns the validated Config, or an error naming each bad key.
func Load(ctx *pulumi.Context) (*Config, error) {
	cfg := pconfig.New(ctx, Namespace)
	raw := map[string]string{}
	for _, k := range Keys {
		if v, ok := lookup(cfg, k.Name); ok {
			raw[k.Name] = v
		}
	}
	return Parse(ctx.Stack(), raw)
}

func lookup(cfg *pconfig.Config, key string) (string, bool) {
	v, err := cfg.Try(key)
	if err != nil {
		return "", false
	}
	return v, true
}

// Parse turns raw values, as the Pulumi CLI passes them (scalars as text,
// arrays and objects as JSON), into a validated Config. Missing keys take
// their schema default. Every error found is reported, each naming its key.
func Parse(stack string, raw map[string]string) (*Config, error) {
	for name := range raw {
		if _, ok := keyByName(name); !ok {
			return nil, fmt.Errorf("%s:%s: unknown config key; known keys: %s", Namespace, name, strings.Join(keyNames(), ", "))
		}
	}
	p := parser{raw: raw}
	c := &Config{
		Stack:             stack,
		Location:          normalizeRegion(p.str("location")),
		ResourceGroupName: p.str("resourceGroupName"),
		GPURegionCheck:    p.str("gpuRegionCheck"),
		GPUQuota:          p.intMap("gpuQuota"),
		Batch: Batch{
			VMSize: p.str("batchVmSize"),
			Spot:   p.boolean("batchSpot"),
		},
		Routing: Routing{
			RealtimeThresholdMs: p.integer("realtimeThresholdMs"),
			BatchCostThreshold:  p.float("batchCostThreshold"),
			MaxBodyBytes:        p.integer("maxBodyBytes"),
		},
		Router: Router{
			MaxReplicas:    p.integer("routerMaxReplicas"),
			Image:          p.str("routerImage"),
			AllowedOrigins: p.strings("corsAllowedOrigins"),
		},
		Registry: Registry{AdminUser: p.boolean("registryAdminUser")},
		Network:  Network{Isolation: p.boolean("networkIsolation"), AddressSpace: p.str("networkAddressSpace")},
		Monitoring: Monitoring{
			LogRetentionDays: p.integer("logRetentionDays"),
			AlertEmails:      p.strings("alertEmails"),
			QueueDepthAlert:  p.integer("queueDepthAlert"),
			MonthlyBudget:    p.integer("monthlyBudget"),
			BudgetStartDate:  p.str("budgetStartDate"),
		},
		KeyVault: KeyVault{
			PurgeProtection: p.boolean("keyVaultPurgeProtection"),
			SoftDeleteDays:  p.integer("keyVaultSoftDeleteDays"),
		},
		PayloadRetentionDays: p.integer("payloadRetentionDays"),
		RetainData:           p.boolean("retainData"),
		StorageRedundancy:    p.str("storageRedundancy"),
		Deployment:           p.deployment(),
		ExtraTags:            p.stringMap("tags"),
	}
	c.Models, c.listed = p.models()
	errs := append(p.errs, c.validate()...)
	errs = append(errs, c.validateDeployment(raw)...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid stack configuration for %q:\n  %w", stack, errors.Join(errs...))
	}
	return c, nil
}

// keyError names the key, the value and what is allowed.
func keyError(key string, value any, allowed string) error {
	return fmt.Errorf("%s:%s: %v is not allowed; %s", Namespace, key, quoteIfString(value), allowed)
}

func quoteIfString(v any) any {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return v
}

func keyByName(name string) (Key, bool) {
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

func keyNames() []string {
	names := make([]string, len(Keys))
	for i, k := range Keys {
		names[i] = k.Name
	}
	sort.Strings(names)
	return names
}

// parser reads typed values and records a type error per bad key.
type parser struct {
	raw  map[string]string
	errs []error
}

func (p *parser) text(key string) (string, bool) {
	v, ok := p.raw[key]
	return v, ok
}

func (p *parser) def(key string) any {
	k, ok := keyByName(key)
	if !ok {
		panic("config: key missing from schema: " + key)
	}
	return k.Default
}

func (p *parser) str(key string) string {
	if v, ok := p.text(key); ok {
		return strings.TrimSpace(v)
	}
	return p.def(key).(string)
}

func (p *parser) integer(key string) int {
	v, ok := p.text(key)
	if !ok {
		return p.def(key).(int)
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		p.errs = append(p.errs, keyError(key, v, "allowed: a whole number"))
	}
	return n
}

func (p *parser) float(key string) float64 {
	v, ok := p.text(key)
	if !ok {
		v = p.def(key).(string)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		p.errs = append(p.errs, keyError(key, v, "allowed: a decimal number such as 0.002"))
	}
	return f
}

func (p *parser) boolean(key string) bool {
	v, ok := p.text(key)
	if !ok {
		return p.def(key).(bool)
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		p.errs = append(p.errs, keyError(key, v, "allowed: true or false"))
	}
	return b
}

func (p *parser) strings(key string) []string {
	var out []string
	p.json(key, &out, "allowed: a list of strings")
	return out
}

func (p *parser) intMap(key string) map[string]int {
	out := map[string]int{}
	p.json(key, &out, "allowed: a map of name to whole number")
	return out
}

func (p *parser) stringMap(key string) map[string]string {
	out := map[string]string{}
	p.json(key, &out, "allowed: a map of string to string")
	return out
}

// json reads a list or map key (the CLI passes them as JSON) into out,
// which keeps its value when the key is absent.
func (p *parser) json(key string, out any, allowed string) {
	v, ok := p.text(key)
	if !ok {
		return
	}
	if err := json.Unmarshal([]byte(v), out); err != nil {
		p.errs = append(p.errs, keyError(key, v, allowed))
	}
}
