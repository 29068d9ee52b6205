package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

var (
	resourceGroupPattern = regexp.MustCompile(`^[-\w\._\(\)]{1,90}$`)
	memoryPattern        = regexp.MustCompile(`^(\d+)Gi$`)
	tagKeyForbidden      = regexp.MustCompile(`[<>%&\\?/]`)
)

// validate returns one error per rule broken, each naming key, value and what
// is allowed.
func (c *Config) validate() []error {
	var errs []error
	add := func(key string, value any, allowed string) {
		errs = append(errs, keyError(key, value, allowed))
	}
	positive := func(key string, v int) {
		if v <= 0 {
			add(key, v, "allowed: a number above 0")
		}
	}

	if c.Location == "" {
		add("location", c.Location, "allowed: an Azure region such as westus3")
	}
	if c.ResourceGroupName != ResourceGroupCreate && !resourceGroupPattern.MatchString(c.ResourceGroupName) {
		add("resourceGroupName", c.ResourceGroupName, `allowed: "create" or a resource group name of 1-90 letters, digits, '-', '_', '.', '(' or ')'`)
	}
	facts, known := gpuCatalog[c.GPU]
	if !known {
		add("gpuType", string(c.GPU), "allowed: "+strings.Join(gpuTypes(), ", "))
	}
	switch c.GPURegionCheck {
	case "strict":
		if known && c.Location != "" && !slices.Contains(facts.regions, c.Location) {
			add("location", c.Location, fmt.Sprintf("serverless %s GPUs are documented only in %s (set gpuRegionCheck to off for a region added since)",
				c.GPU, strings.Join(facts.regions, ", ")))
		}
	case "off":
	default:
		add("gpuRegionCheck", c.GPURegionCheck, "allowed: strict, off")
	}

	in := c.Inference
	if in.MinReplicas < 0 {
		add("inferenceMinReplicas", in.MinReplicas, "allowed: 0 (scale to zero) or more")
	}
	if in.MaxReplicas < 1 || in.MaxReplicas > 300 {
		add("inferenceMaxReplicas", in.MaxReplicas, "allowed: 1 to 300 (the Container Apps replica limit)")
	}
	if in.MinReplicas > in.MaxReplicas {
		add("inferenceMinReplicas", in.MinReplicas, fmt.Sprintf("allowed: at most inferenceMaxReplicas (%d)", in.MaxReplicas))
	}
	positive("inferenceConcurrency", in.Concurrency)
	if in.CooldownSeconds < 0 {
		add("inferenceCooldownSeconds", in.CooldownSeconds, "allowed: 0 or more seconds")
	}
	if in.Port < 1 || in.Port > 65535 {
		add("inferencePort", in.Port, "allowed: a TCP port, 1 to 65535")
	}
	for key, path := range map[string]string{"inferencePath": in.Path, "inferenceHealthPath": in.HealthPath} {
		if !strings.HasPrefix(path, "/") {
			add(key, path, `allowed: an absolute HTTP path starting with "/"`)
		}
	}
	positive("coldStartSeconds", c.Routing.ColdStartSeconds)

	vm := c.Batch.VMSize
	if family, date, retired := retiredVMFamily(vm); retired {
		add("batchVmSize", vm, fmt.Sprintf("the %s family was retired on %s; allowed: a current GPU size such as Standard_NC4as_T4_v3 or Standard_NC24ads_A100_v4", family, date))
	} else if !isGPUVMSize(vm) {
		add("batchVmSize", vm, "it has no NVIDIA GPU; allowed: a GPU size such as Standard_NC4as_T4_v3, Standard_NC8as_T4_v3, Standard_NC24ads_A100_v4, Standard_NC40ads_H100_v5")
	}
	if c.Batch.MaxNodes < 1 || c.Batch.MaxNodes > 1000 {
		add("batchMaxNodes", c.Batch.MaxNodes, "allowed: 1 to 1000")
	}

	r := c.Routing
	positive("realtimeThresholdMs", r.RealtimeThresholdMs)
	if !(r.BatchCostThreshold > 0) {
		add("batchCostThreshold", r.BatchCostThreshold, "allowed: a cost in USD above 0, such as 0.002")
	}
	if strings.TrimSpace(r.ModelVersion) == "" {
		add("modelVersion", r.ModelVersion, "allowed: a non-empty version label")
	}
	if m := memoryPattern.FindStringSubmatch(r.GPUMemoryLimit); m == nil {
		add("gpuMemoryLimit", r.GPUMemoryLimit, `allowed: whole GiB such as "14Gi"`)
	} else if known {
		var gi int
		fmt.Sscan(m[1], &gi)
		if gi < 1 || gi > facts.memoryGiB {
			add("gpuMemoryLimit", r.GPUMemoryLimit, fmt.Sprintf("allowed: 1Gi to %dGi, the memory of a %s", facts.memoryGiB, c.GPU))
		}
	}
	positive("maxBodyBytes", r.MaxBodyBytes)

	if c.Router.MaxReplicas < 1 || c.Router.MaxReplicas > 300 {
		add("routerMaxReplicas", c.Router.MaxReplicas, "allowed: 1 to 300")
	}
	for _, o := range c.Router.AllowedOrigins {
		if err := routerconfig.CheckOrigin(o); err != nil {
			add("corsAllowedOrigins", o, "allowed: origins as browsers send them, scheme://host[:port] (http or https, lowercase, no path or trailing slash), e.g. https://app.example.com, or *")
		}
	}

	if len(c.Monitoring.AlertEmails) == 0 {
		add("alertEmails", "[]", "allowed: at least one e-mail address; alerts and budget notifications need a receiver")
	}
	for _, e := range c.Monitoring.AlertEmails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") {
			add("alertEmails", e, "allowed: plain e-mail addresses such as ops@example.com")
		}
	}
	positive("monthlyBudget", c.Monitoring.MonthlyBudget)
	positive("queueDepthAlert", c.Monitoring.QueueDepthAlert)
	if !slices.Contains(routerconfig.InferenceAPIs, in.API) {
		add("inferenceApi", in.API, "allowed: reference (the reference model's batch lines) or openai (OpenAI batch lines, e.g. vLLM's run-batch)")
	}
	if strings.TrimSpace(in.BatchCommand) == "" {
		add("inferenceBatchCommand", in.BatchCommand, "allowed: the command line of the image's batch mode")
	}
	if c.Monitoring.BudgetStartDate != "" {
		t, err := time.Parse("2006-01-02", c.Monitoring.BudgetStartDate)
		if err != nil || t.Day() != 1 {
			add("budgetStartDate", c.Monitoring.BudgetStartDate, "allowed: empty, or the first day of a month as YYYY-MM-01")
		}
	}

	// Log Analytics PerGB2018 retention is 30 to 730 days
	// (azure-docs azure-monitor/logs/data-retention-configure.md).
	if c.Monitoring.LogRetentionDays < 30 || c.Monitoring.LogRetentionDays > 730 {
		add("logRetentionDays", c.Monitoring.LogRetentionDays, "allowed: 30 to 730 days (Log Analytics PerGB2018)")
	}
	// Key Vault soft-delete retention is 7 to 90 days (azure-docs key-vault/general/soft-delete-overview.md).
	if c.KeyVault.SoftDeleteDays < 7 || c.KeyVault.SoftDeleteDays > 90 {
		add("keyVaultSoftDeleteDays", c.KeyVault.SoftDeleteDays, "allowed: 7 to 90 days")
	}
	positive("payloadRetentionDays", c.PayloadRetentionDays)

	c.validateNetwork(add)

	for k, v := range c.ExtraTags {
		if k == "" || len(k) > 512 || tagKeyForbidden.MatchString(k) || len(v) > 256 {
			add("tags", k, "allowed: tag names of 1-512 characters without < > % & \\ ? / and values of at most 256 characters")
		}
	}
	return errs
}
