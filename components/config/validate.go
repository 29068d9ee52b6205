package config

import (
	"net/mail"
	"regexp"
	"strings"
	"time"

	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

var (
	resourceGroupPattern = regexp.MustCompile(`^[-\w\._\(\)]{1,90}$`)
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
	switch c.GPURegionCheck {
	case "strict", "off":
	default:
		add("gpuRegionCheck", c.GPURegionCheck, "allowed: strict, off")
	}
	// The global stack runs no model: its location places only its
	// resource group, which needs no GPU.
	if !c.Deployment.Global() {
		errs = append(errs, c.validateModels()...)
	}

	r := c.Routing
	positive("realtimeThresholdMs", r.RealtimeThresholdMs)
	if !(r.BatchCostThreshold > 0) {
		add("batchCostThreshold", r.BatchCostThreshold, "allowed: a cost in USD above 0, such as 0.002")
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
