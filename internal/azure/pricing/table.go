// Package pricing is the offline cost model of `gpuorch preview`: a price
// table in which every figure names its source and date (table.go), and the
// arithmetic that turns a stack's billable footprint — read from the plan —
// into a monthly estimate (estimate.go). Prices are USD list prices for
// East US; a stack in another region pays that region's meters, which can
// differ by tens of percent.
package pricing

import "sort"

// Price is one figure of the table.
type Price struct {
	ID     string  `json:"id"`
	Meter  string  `json:"meter"`
	USD    float64 `json:"usd"`
	Unit   string  `json:"unit"`
	Source string  `json:"source"`
	AsOf   string  `json:"asOf"` // the date the source quotes the figure for, or "undated"
}

// VMPrice is a Batch node size: pay-as-you-go and Spot hourly prices.
type VMPrice struct {
	Dedicated   Price
	Spot        Price
	GPUsPerNode int
}

// GPUProfilePrice is a serverless GPU workload profile's GPU meter; vCPU and
// memory of the replica are billed on top at the Consumption rates.
type GPUProfilePrice struct {
	GPU Price
	// GPUName is what a reviewer calls it ("T4").
	GPUName string
}

// Table holds every price the estimate uses.
type Table struct {
	HoursPerMonth float64

	ACAvCPUSecond Price // Consumption plan, active rate
	ACAGiBSecond  Price
	ACAvCPUFree   float64 // monthly free grant per subscription, vCPU-seconds
	ACAGiBFree    float64 // GiB-seconds

	GPUProfiles map[string]GPUProfilePrice // by workload profile type
	VMs         map[string]VMPrice         // by Batch vmSize

	RegistryDay map[string]Price // by ACR SKU

	LogIngestGB       Price   // Log Analytics, analytics logs, pay-as-you-go
	LogFreeGBMonth    float64 // per billing account
	LogIncludedDays   int     // retention included in the ingestion price
	LogRetentionGBMon Price   // per GB-month retained beyond the included days

	KeyVaultOps10k  Price
	BlobHotLRSGBMon Price
	StorageOps10k   Price
	BatchAccount    Price

	PrivateEndpointHour Price // per endpoint
	PrivateEndpointGB   Price // data processed, in and out
	PrivateDNSZoneMonth Price // per hosted zone
}

// Sources quoted by several figures.
const (
	srcRetailAPIEastUS = "Azure retail prices API (prices.azure.com), eastus, as quoted in a third-party GPU price survey that a reviewer re-queried the same day"
	srcPrivateLink     = "azure.microsoft.com/pricing/details/private-link, as quoted by third-party cost guides (~$7.30 per endpoint-month plus $0.01/GB); learn.microsoft.com azure/batch/private-connectivity points there for pricing"
	srcACAPricing      = "azure.microsoft.com/pricing/details/container-apps (Consumption plan active rates, quoted by third-party cost guides); free grant: learn.microsoft.com azure/container-apps/billing"
)

// Default is the repository's price table. Change a figure here, with its
// source and date, when Azure's list prices move.
func Default() Table {
	return Table{
		HoursPerMonth: 730, // Azure's pricing calculator month

		ACAvCPUSecond: Price{"aca-vcpu-s", "Container Apps Standard vCPU Active Usage", 0.000024, "vCPU-second",
			srcACAPricing + "; same figure as $0.0864/vCPU-hour in the retail API quote", "2026-10-02"},
		ACAGiBSecond: Price{"aca-gib-s", "Container Apps Standard Memory Active Usage", 0.000003, "GiB-second",
			srcACAPricing + "; same figure as $0.0108/GiB-hour in the retail API quote", "2026-10-02"},
		ACAvCPUFree: 180000,
		ACAGiBFree:  360000,

		GPUProfiles: map[string]GPUProfilePrice{
			"Consumption-GPU-NC8as-T4": {GPUName: "T4", GPU: Price{"aca-gpu-t4-s", "Container Apps serverless GPU, NVIDIA T4", 0.000073, "GPU-second",
				srcRetailAPIEastUS + " ($0.263/GPU-hour)", "2026-10-02"}},
			"Consumption-GPU-NC24-A100": {GPUName: "A100", GPU: Price{"aca-gpu-a100-s", "Container Apps serverless GPU, NVIDIA A100", 0.000529, "GPU-second",
				srcRetailAPIEastUS + " ($1.904/GPU-hour)", "2026-10-02"}},
		},
		VMs: map[string]VMPrice{
			"standard_nc4as_t4_v3": {GPUsPerNode: 1,
				Dedicated: Price{"vm-nc4as-t4-v3", "Virtual Machines NC4as T4 v3, Linux, pay-as-you-go", 0.526, "node-hour", srcRetailAPIEastUS, "2026-10-02"},
				Spot:      Price{"vm-nc4as-t4-v3-spot", "Virtual Machines NC4as T4 v3, Linux, Spot", 0.149, "node-hour", srcRetailAPIEastUS + "; Spot prices move with capacity", "2026-10-02"}},
			"standard_nc24ads_a100_v4": {GPUsPerNode: 1,
				Dedicated: Price{"vm-nc24ads-a100-v4", "Virtual Machines NC24ads A100 v4, Linux, pay-as-you-go", 3.673, "node-hour", srcRetailAPIEastUS, "2026-10-02"},
				Spot:      Price{"vm-nc24ads-a100-v4-spot", "Virtual Machines NC24ads A100 v4, Linux, Spot", 0.679, "node-hour", srcRetailAPIEastUS + "; Spot prices move with capacity", "2026-10-02"}},
		},
		RegistryDay: map[string]Price{
			"Basic":    {"acr-basic", "Container Registry Basic (10 GiB included)", 0.167, "registry-day", "learn.microsoft.com azure/container-registry/container-registry-skus (worked example); azure.microsoft.com/pricing/details/container-registry", "undated"},
			"Standard": {"acr-standard", "Container Registry Standard (100 GiB included)", 0.667, "registry-day", "azure.microsoft.com/pricing/details/container-registry, as quoted in third-party notes (~$20/month)", "undated"},
			"Premium":  {"acr-premium", "Container Registry Premium (500 GiB included)", 1.667, "registry-day", "azure.microsoft.com/pricing/details/container-registry, as quoted in third-party notes (~$50/month)", "undated"},
		},
		LogIngestGB: Price{"log-ingest-gb", "Log Analytics Analytics Logs data ingestion, pay-as-you-go (PerGB2018)", 2.30, "GB",
			"azure.microsoft.com/pricing/details/monitor, as quoted by several third-party cost guides; learn.microsoft.com azure-monitor/logs/cost-logs for the model", "undated"},
		LogFreeGBMonth:  5,
		LogIncludedDays: 31,
		LogRetentionGBMon: Price{"log-retention-gb-month", "Log Analytics data retention beyond the included 31 days", 0.10, "GB-month",
			"azure.microsoft.com/pricing/details/monitor, as quoted by a third-party template; learn.microsoft.com azure-monitor/logs/cost-logs (31 days included)", "undated"},
		KeyVaultOps10k: Price{"kv-ops", "Key Vault Standard secrets operations", 0.03, "10,000 operations",
			"azure.microsoft.com/pricing/details/key-vault, as quoted in a third-party Azure service catalogue", "undated"},
		BlobHotLRSGBMon: Price{"blob-hot-lrs-gb", "Blob Storage Hot LRS capacity, first 50 TB", 0.0184, "GB-month",
			"Azure retail prices API, East US 2 and Sweden Central, as quoted in two third-party cost reviews", "undated"},
		StorageOps10k: Price{"storage-ops", "Storage write operations, Hot LRS (applied to every queue and blob operation: an upper bound; reads are $0.004)", 0.05, "10,000 operations",
			"Azure retail prices API, Sweden Central, as quoted in a third-party cost review", "undated"},
		BatchAccount: Price{"batch-account", "Azure Batch account and pool management", 0, "month",
			"learn.microsoft.com azure/batch/batch-technical-overview: no additional charge for Batch; nodes are billed as VMs", "2025-07-03"},
		PrivateEndpointHour: Price{"pe-hour", "Private Link private endpoint", 0.01, "endpoint-hour",
			srcPrivateLink, "undated"},
		PrivateEndpointGB: Price{"pe-gb", "Private Link data processed (inbound and outbound each count)", 0.01, "GB",
			srcPrivateLink, "undated"},
		PrivateDNSZoneMonth: Price{"dns-private-zone", "Azure DNS private zone, first 25 zones", 0.50, "zone-month",
			"azure.microsoft.com/pricing/details/dns, as quoted by third-party cost guides (queries, $0.40 per million, not priced)", "undated"},
	}
}

// Prices lists every figure of the table, ordered by ID, for the JSON
// document and the docs.
func (t Table) Prices() []Price {
	out := []Price{t.ACAvCPUSecond, t.ACAGiBSecond, t.LogIngestGB, t.LogRetentionGBMon,
		t.KeyVaultOps10k, t.BlobHotLRSGBMon, t.StorageOps10k, t.BatchAccount,
		t.PrivateEndpointHour, t.PrivateEndpointGB, t.PrivateDNSZoneMonth}
	for _, g := range t.GPUProfiles {
		out = append(out, g.GPU)
	}
	for _, v := range t.VMs {
		out = append(out, v.Dedicated, v.Spot)
	}
	for _, r := range t.RegistryDay {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
