package pricing

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Assumptions are the usage figures an offline estimate cannot know; each is
// printed with the estimate and can be changed with a preview flag.
type Assumptions struct {
	// LogGBPerDay is Log Analytics ingestion per workspace.
	LogGBPerDay float64 `json:"logGBPerDay"`
	// StorageGB is blob capacity per storage account (payloads and results,
	// bounded by the lifecycle rule).
	StorageGB float64 `json:"storageGB"`
	// StorageOpsPerMonth is queue and blob operations per storage account
	// (the router's queue-depth poll every 5 s is 525,600 a month alone).
	StorageOpsPerMonth float64 `json:"storageOperationsPerMonth"`
	// SettingsRefreshSeconds is how often each always-on CPU replica re-reads
	// every Key Vault setting (the router's SETTINGS_REFRESH_INTERVAL, 1 min).
	SettingsRefreshSeconds float64 `json:"settingsRefreshSeconds"`
	// RealtimeReplicaHoursPerDay is serverless GPU replica time per GPU app
	// in the worked example, cold starts and scale-in cooldown included.
	RealtimeReplicaHoursPerDay float64 `json:"realtimeReplicaHoursPerDay"`
	// BatchNodeHoursPerDay is Batch node time per pool in the worked example,
	// allocation to removal.
	BatchNodeHoursPerDay float64 `json:"batchNodeHoursPerDay"`
	// PrivateLinkGBPerMonth is the data all private endpoints process
	// together (image pulls by new nodes and replicas, payloads, results).
	PrivateLinkGBPerMonth float64 `json:"privateLinkGBPerMonth"`
}

// DefaultAssumptions are the stated load of docs/preview.md.
func DefaultAssumptions() Assumptions {
	return Assumptions{
		LogGBPerDay:                0.5,
		StorageGB:                  20,
		StorageOpsPerMonth:         2_000_000,
		SettingsRefreshSeconds:     60,
		RealtimeReplicaHoursPerDay: 4,
		BatchNodeHoursPerDay:       8,
		PrivateLinkGBPerMonth:      200,
	}
}

// Line is one monthly charge: quantity × unit price.
type Line struct {
	Item       string   `json:"item"`
	Resource   string   `json:"resource,omitempty"`
	Quantity   float64  `json:"quantity"`
	Unit       string   `json:"unit"`
	UnitUSD    float64  `json:"unitUSD"`
	MonthlyUSD float64  `json:"monthlyUSD"`
	Prices     []string `json:"prices"` // IDs in the price table
	Note       string   `json:"note,omitempty"`
}

// Rate is a variable charge: the price of one GPU-hour on a tier.
type Rate struct {
	Item          string  `json:"item"`
	Resource      string  `json:"resource"`
	Tier          string  `json:"tier"` // serverless | spot | dedicated
	GPU           string  `json:"gpu"`
	PerUnitHour   float64 `json:"perUnitHourUSD"` // per replica-hour or node-hour
	Unit          string  `json:"unit"`           // replica | node
	PerGPUHourUSD float64 `json:"perGPUHourUSD"`
	Breakdown     string  `json:"breakdown"`
	MaxUnits      int     `json:"maxUnits"`
	// CeilingMonthlyUSD is every unit the stack allows running all month.
	CeilingMonthlyUSD float64  `json:"ceilingMonthlyUSD"`
	InUse             bool     `json:"inUse"` // the tier the stack's config selects
	Prices            []string `json:"prices"`
}

// Example is the worked example at the stated load.
type Example struct {
	Description string  `json:"description"`
	Lines       []Line  `json:"lines"`
	MonthlyUSD  float64 `json:"monthlyUSD"`
}

// Estimate is the `cost` object of the plan document.
type Estimate struct {
	Currency        string      `json:"currency"`
	PriceRegion     string      `json:"priceRegion"`
	Region          string      `json:"region"`
	HoursPerMonth   float64     `json:"hoursPerMonth"`
	Assumptions     Assumptions `json:"assumptions"`
	Fixed           []Line      `json:"fixed"`
	FixedMonthlyUSD float64     `json:"fixedMonthlyUSD"`
	Variable        []Rate      `json:"variable"`
	Example         Example     `json:"example"`
	// TotalMonthlyUSD is the fixed part plus the worked example.
	TotalMonthlyUSD float64 `json:"totalMonthlyUSD"`
	BudgetUSD       float64 `json:"budgetUSD"`
	// Notes say what the figures leave out or could take off.
	Notes []string `json:"notes"`
	// Unpriced names billable things the table has no price for.
	Unpriced []string `json:"unpriced"`
	Prices   []Price  `json:"prices"`
}

// Compute prices a footprint.
func Compute(fp Footprint, t Table, a Assumptions) Estimate {
	hours := t.HoursPerMonth
	days := hours / 24
	seconds := hours * 3600
	e := Estimate{
		Currency: "USD", PriceRegion: "eastus", Region: fp.Region, HoursPerMonth: hours,
		Assumptions: a, BudgetUSD: fp.MonthlyBudget,
		Fixed: []Line{}, Variable: []Rate{}, Notes: []string{}, Unpriced: []string{},
		Example: Example{Lines: []Line{}}, Prices: t.Prices(),
	}
	if fp.Region != "" && fp.Region != e.PriceRegion {
		e.Notes = append(e.Notes, fmt.Sprintf("prices are %s list prices; %s meters can differ", e.PriceRegion, fp.Region))
	}

	// Always-on CPU replicas (the router) and any GPU replicas kept warm.
	alwaysOnCPU := 0
	var grantVCPU, grantGiB float64
	for _, app := range fp.Apps {
		if app.MinReplicas <= 0 {
			continue
		}
		per, prices, ok := replicaHour(app, t)
		if !ok {
			e.Unpriced = append(e.Unpriced, fmt.Sprintf("%s: workload profile %s", app.Name, app.ProfileType))
			continue
		}
		item := "always-on replicas"
		if app.ProfileType != ConsumptionProfile {
			item = "warm GPU replicas (minReplicas > 0)"
		} else {
			alwaysOnCPU += app.MinReplicas
			grantVCPU += float64(app.MinReplicas) * app.VCPU * seconds
			grantGiB += float64(app.MinReplicas) * app.MemoryGiB * seconds
		}
		e.Fixed = append(e.Fixed, line(item, app.Name, float64(app.MinReplicas)*hours, "replica-hours", per, prices,
			fmt.Sprintf("%d × (%g vCPU, %g GiB) on %s, active rate", app.MinReplicas, app.VCPU, app.MemoryGiB, app.ProfileType)))
	}
	if grantVCPU > 0 {
		off := min(grantVCPU, t.ACAvCPUFree)*t.ACAvCPUSecond.USD + min(grantGiB, t.ACAGiBFree)*t.ACAGiBSecond.USD
		e.Notes = append(e.Notes, fmt.Sprintf("Container Apps free grant (%.0f vCPU-s, %.0f GiB-s per subscription-month) takes up to $%.2f off if nothing else uses it",
			t.ACAvCPUFree, t.ACAGiBFree, off))
	}
	for _, r := range fp.Registries {
		p, ok := t.RegistryDay[r.SKU]
		if !ok {
			e.Unpriced = append(e.Unpriced, fmt.Sprintf("%s: registry SKU %q", r.Name, r.SKU))
			continue
		}
		e.Fixed = append(e.Fixed, line("container registry "+r.SKU, r.Name, days, "days", p.USD, []string{p.ID}, ""))
	}
	for _, w := range fp.Workspaces {
		if w.SKU != "PerGB2018" {
			e.Unpriced = append(e.Unpriced, fmt.Sprintf("%s: Log Analytics SKU %q", w.Name, w.SKU))
			continue
		}
		gb := a.LogGBPerDay * days
		e.Fixed = append(e.Fixed, line("Log Analytics ingestion", w.Name, gb, "GB", t.LogIngestGB.USD, []string{t.LogIngestGB.ID},
			fmt.Sprintf("%g GB/day stated", a.LogGBPerDay)))
		if extra := w.RetentionDays - t.LogIncludedDays; extra > 0 {
			e.Fixed = append(e.Fixed, line("Log Analytics retention", w.Name, a.LogGBPerDay*float64(extra), "GB-months",
				t.LogRetentionGBMon.USD, []string{t.LogRetentionGBMon.ID},
				fmt.Sprintf("%d days kept, %d included: %d days of ingestion held at steady state", w.RetentionDays, t.LogIncludedDays, extra)))
		}
		e.Notes = append(e.Notes, fmt.Sprintf("Log Analytics: the first %g GB a month per billing account are free (up to $%.2f off)",
			t.LogFreeGBMonth, min(gb, t.LogFreeGBMonth)*t.LogIngestGB.USD))
	}
	for _, kv := range fp.KeyVaults {
		ops := float64(fp.KeyVaultSecrets*alwaysOnCPU) * seconds / a.SettingsRefreshSeconds
		e.Fixed = append(e.Fixed, line("Key Vault operations", kv, ops/10000, "10k operations", t.KeyVaultOps10k.USD, []string{t.KeyVaultOps10k.ID},
			fmt.Sprintf("%d settings × %d always-on replicas, re-read every %gs", fp.KeyVaultSecrets, alwaysOnCPU, a.SettingsRefreshSeconds)))
	}
	for _, st := range fp.StorageAccounts {
		e.Fixed = append(e.Fixed,
			line("storage capacity (Hot LRS)", st, a.StorageGB, "GB-months", t.BlobHotLRSGBMon.USD, []string{t.BlobHotLRSGBMon.ID}, "stated"),
			line("storage operations", st, a.StorageOpsPerMonth/10000, "10k operations", t.StorageOps10k.USD, []string{t.StorageOps10k.ID}, "stated, priced as writes"))
	}
	for _, st := range slices.Sorted(maps.Keys(fp.StorageNotLRS)) {
		e.Unpriced = append(e.Unpriced, fmt.Sprintf("%s: %s replication, priced above at Hot LRS rates; zone and geo-redundancy cost more per GB, and geo-redundancy adds a charge per GB replicated (README, Disaster recovery)", st, fp.StorageNotLRS[st]))
	}
	for _, p := range fp.Pools {
		e.Fixed = append(e.Fixed, line("Batch account and pool (nodes are variable)", p.Name, 1, "month", t.BatchAccount.USD, []string{t.BatchAccount.ID}, "scales to zero nodes"))
	}
	e.Fixed = append(e.Fixed, privateNetwork(fp, t, a)...)
	for _, env := range fp.EnvironmentsInNetwork {
		// azure-docs container-apps/custom-virtual-networks.md, "Managed resources".
		e.Unpriced = append(e.Unpriced, fmt.Sprintf("%s: the standard load balancer and static public IPs of an environment in your own virtual network", env))
	}
	for _, l := range e.Fixed {
		e.FixedMonthlyUSD += l.MonthlyUSD
	}

	// Variable: GPU-hours on each tier.
	days30 := days
	var exampleDesc []string
	for _, app := range fp.Apps {
		if app.ProfileType == ConsumptionProfile {
			continue
		}
		per, prices, ok := replicaHour(app, t)
		if !ok {
			e.Unpriced = append(e.Unpriced, fmt.Sprintf("%s: workload profile %s", app.Name, app.ProfileType))
			continue
		}
		g := t.GPUProfiles[app.ProfileType]
		e.Variable = append(e.Variable, Rate{
			Item: "serverless GPU replica", Resource: app.Name, Tier: "serverless", GPU: g.GPUName,
			PerUnitHour: per, Unit: "replica", PerGPUHourUSD: per,
			Breakdown: fmt.Sprintf("GPU $%.4f + %g vCPU × $%.4f + %g GiB × $%.4f per hour", g.GPU.USD*3600, app.VCPU, t.ACAvCPUSecond.USD*3600, app.MemoryGiB, t.ACAGiBSecond.USD*3600),
			MaxUnits:  app.MaxReplicas, CeilingMonthlyUSD: float64(app.MaxReplicas) * hours * per, InUse: true, Prices: prices,
		})
		h := a.RealtimeReplicaHoursPerDay * days30
		e.Example.Lines = append(e.Example.Lines, line("realtime on serverless "+g.GPUName, app.Name, h, "replica-hours", per, prices,
			fmt.Sprintf("%g replica-hours a day", a.RealtimeReplicaHoursPerDay)))
		exampleDesc = append(exampleDesc, fmt.Sprintf("%g serverless GPU replica-hours", a.RealtimeReplicaHoursPerDay))
	}
	for _, p := range fp.Pools {
		vm, ok := t.VMs[strings.ToLower(p.VMSize)]
		if !ok {
			e.Unpriced = append(e.Unpriced, fmt.Sprintf("%s: Batch VM size %s", p.Name, p.VMSize))
			continue
		}
		gpu := strings.ToUpper(gpuOf(p.VMSize))
		for _, tier := range []struct {
			name  string
			price Price
			inUse bool
		}{{"spot", vm.Spot, p.Spot}, {"dedicated", vm.Dedicated, !p.Spot}} {
			e.Variable = append(e.Variable, Rate{
				Item: "Batch node " + p.VMSize, Resource: p.Name, Tier: tier.name, GPU: gpu,
				PerUnitHour: tier.price.USD, Unit: "node", PerGPUHourUSD: tier.price.USD / float64(vm.GPUsPerNode),
				Breakdown: fmt.Sprintf("%d GPU per node", vm.GPUsPerNode),
				MaxUnits:  p.MaxNodes, CeilingMonthlyUSD: float64(p.MaxNodes) * hours * tier.price.USD, InUse: tier.inUse,
				Prices: []string{tier.price.ID},
			})
			if tier.inUse {
				h := a.BatchNodeHoursPerDay * days30
				e.Example.Lines = append(e.Example.Lines, line("batch on "+tier.name+" "+p.VMSize, p.Name, h, "node-hours", tier.price.USD,
					[]string{tier.price.ID}, fmt.Sprintf("%g node-hours a day", a.BatchNodeHoursPerDay)))
				exampleDesc = append(exampleDesc, fmt.Sprintf("%g %s Batch node-hours", a.BatchNodeHoursPerDay, tier.name))
			}
		}
	}
	for _, l := range e.Example.Lines {
		e.Example.MonthlyUSD += l.MonthlyUSD
	}
	if len(exampleDesc) > 0 {
		e.Example.Description = "a day of " + strings.Join(exampleDesc, " and ") + fmt.Sprintf(", for %.2f days", days30)
	}
	e.TotalMonthlyUSD = e.FixedMonthlyUSD + e.Example.MonthlyUSD
	return e
}

// privateNetwork prices the network tier: every private endpoint's hours,
// the data they process together, and every private DNS zone.
func privateNetwork(fp Footprint, t Table, a Assumptions) []Line {
	var out []Line
	for _, pe := range fp.PrivateEndpoints {
		out = append(out, line("private endpoint", pe, t.HoursPerMonth, "endpoint-hours", t.PrivateEndpointHour.USD, []string{t.PrivateEndpointHour.ID}, ""))
	}
	if len(fp.PrivateEndpoints) > 0 {
		out = append(out, line("private endpoint data processed", "", a.PrivateLinkGBPerMonth, "GB", t.PrivateEndpointGB.USD, []string{t.PrivateEndpointGB.ID},
			fmt.Sprintf("%g GB a month through all endpoints, stated", a.PrivateLinkGBPerMonth)))
	}
	for _, z := range fp.PrivateDNSZones {
		out = append(out, line("private DNS zone", z, 1, "zone-months", t.PrivateDNSZoneMonth.USD, []string{t.PrivateDNSZoneMonth.ID}, ""))
	}
	return out
}

// replicaHour is the price of one running replica for an hour: the GPU
// meter of its profile, if any, plus its vCPU and memory at the Consumption
// active rates.
func replicaHour(app App, t Table) (float64, []string, bool) {
	perSecond := app.VCPU*t.ACAvCPUSecond.USD + app.MemoryGiB*t.ACAGiBSecond.USD
	prices := []string{t.ACAvCPUSecond.ID, t.ACAGiBSecond.ID}
	if app.ProfileType != ConsumptionProfile {
		g, ok := t.GPUProfiles[app.ProfileType]
		if !ok {
			return 0, nil, false
		}
		perSecond += g.GPU.USD
		prices = append([]string{g.GPU.ID}, prices...)
	}
	return perSecond * 3600, prices, true
}

func line(item, resource string, qty float64, unit string, unitUSD float64, prices []string, note string) Line {
	return Line{Item: item, Resource: resource, Quantity: qty, Unit: unit, UnitUSD: unitUSD,
		MonthlyUSD: qty * unitUSD, Prices: prices, Note: note}
}

// gpuOf names the GPU of a Batch VM size from its name (…_T4_v3, …_A100_v4).
func gpuOf(vmSize string) string {
	s := strings.ToLower(vmSize)
	for _, g := range []string{"t4", "a100", "h100", "a10"} {
		if strings.Contains(s, "_"+g) {
			return g
		}
	}
	return "gpu"
}
