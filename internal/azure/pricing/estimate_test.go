package pricing

import (
	"math"
	"strings"
	"testing"
)

// devLike is the dev stack's footprint, with the router at 0.5 vCPU / 1 GiB.
func devLike() Footprint {
	return Footprint{
		Region: "westus3",
		Apps: []App{
			{Name: "router", ProfileType: ConsumptionProfile, VCPU: 0.5, MemoryGiB: 1, MinReplicas: 1, MaxReplicas: 3},
			{Name: "inference", ProfileType: "Consumption-GPU-NC8as-T4", VCPU: 8, MemoryGiB: 56, MinReplicas: 0, MaxReplicas: 1},
		},
		Pools:           []Pool{{Name: "pool", VMSize: "Standard_NC4as_T4_v3", MaxNodes: 2, Spot: true}},
		Registries:      []Registry{{Name: "cr", SKU: "Standard"}},
		Workspaces:      []Workspace{{Name: "log", SKU: "PerGB2018", RetentionDays: 30}},
		StorageAccounts: []string{"st"},
		KeyVaults:       []string{"kv"},
		KeyVaultSecrets: 6,
		MonthlyBudget:   300,
	}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 0.005 {
		t.Errorf("%s = %.4f, want %.4f", what, got, want)
	}
}

func fixedLine(t *testing.T, e Estimate, item string) Line {
	t.Helper()
	for _, l := range e.Fixed {
		if strings.HasPrefix(l.Item, item) {
			return l
		}
	}
	t.Fatalf("no fixed line %q in %+v", item, e.Fixed)
	return Line{}
}

// The worked case of docs/preview.md, computed by hand: 730 h = 2,628,000 s
// and 30.4167 days a month.
func TestWorkedCaseByHand(t *testing.T) {
	e := Compute(devLike(), Default(), DefaultAssumptions())

	// Router: 2,628,000 s × (0.5 × 0.000024 + 1 × 0.000003) = $39.42.
	near(t, "router", fixedLine(t, e, "always-on replicas").MonthlyUSD, 39.42)
	// Registry Standard: 30.4167 days × $0.667 = $20.2879.
	near(t, "registry", fixedLine(t, e, "container registry").MonthlyUSD, 20.2879)
	// Logs: 0.5 GB/day × 30.4167 days × $2.30 = $34.9792; 30-day retention is included.
	near(t, "log ingestion", fixedLine(t, e, "Log Analytics ingestion").MonthlyUSD, 34.9792)
	// Key Vault: 6 settings × 1 replica × 2,628,000 s / 60 s = 262,800 ops → 26.28 × $0.03.
	near(t, "key vault", fixedLine(t, e, "Key Vault").MonthlyUSD, 0.7884)
	// Storage: 20 GB × $0.0184 + 200 × $0.05.
	near(t, "capacity", fixedLine(t, e, "storage capacity").MonthlyUSD, 0.368)
	near(t, "operations", fixedLine(t, e, "storage operations").MonthlyUSD, 10)
	near(t, "fixed", e.FixedMonthlyUSD, 39.42+20.2879+34.9792+0.7884+0.368+10)
	for _, l := range e.Fixed {
		if strings.HasPrefix(l.Item, "Log Analytics retention") {
			t.Errorf("30-day retention billed: %+v", l)
		}
	}

	// T4 replica: 3600 × (0.000073 + 8 × 0.000024 + 56 × 0.000003) = $1.5588/h.
	var serverless, spot, dedicated Rate
	for _, r := range e.Variable {
		switch r.Tier {
		case "serverless":
			serverless = r
		case "spot":
			spot = r
		case "dedicated":
			dedicated = r
		}
	}
	near(t, "T4 serverless per GPU-hour", serverless.PerGPUHourUSD, 1.5588)
	near(t, "T4 serverless ceiling (1 replica all month)", serverless.CeilingMonthlyUSD, 1.5588*730)
	near(t, "NC4as_T4_v3 spot", spot.PerGPUHourUSD, 0.149)
	near(t, "NC4as_T4_v3 dedicated", dedicated.PerGPUHourUSD, 0.526)
	near(t, "pool ceiling (2 spot nodes all month)", spot.CeilingMonthlyUSD, 2*730*0.149)
	if !spot.InUse || dedicated.InUse {
		t.Errorf("spot pool: spot in use %v, dedicated in use %v", spot.InUse, dedicated.InUse)
	}

	// Example: 4 h/day × 30.4167 × $1.5588 + 8 h/day × 30.4167 × $0.149.
	near(t, "example", e.Example.MonthlyUSD, 189.654+36.2567)
	near(t, "total", e.TotalMonthlyUSD, 105.8435+189.654+36.2567)
	if len(e.Unpriced) != 0 {
		t.Errorf("unpriced: %v", e.Unpriced)
	}
}

// A prod-like footprint: A100 replicas, dedicated A100 nodes, 90-day logs.
func TestA100DedicatedAndLongRetention(t *testing.T) {
	fp := devLike()
	fp.Apps[1] = App{Name: "inference", ProfileType: "Consumption-GPU-NC24-A100", VCPU: 24, MemoryGiB: 220, MaxReplicas: 8}
	fp.Pools[0] = Pool{Name: "pool", VMSize: "Standard_NC24ads_A100_v4", MaxNodes: 10, Spot: false}
	fp.Workspaces[0].RetentionDays = 90
	e := Compute(fp, Default(), DefaultAssumptions())

	// 3600 × (0.000529 + 24 × 0.000024 + 220 × 0.000003) = $6.354/h.
	near(t, "A100 serverless", e.Variable[0].PerGPUHourUSD, 6.354)
	// 0.5 GB/day × (90 − 31) days held × $0.10.
	near(t, "retention", fixedLine(t, e, "Log Analytics retention").MonthlyUSD, 2.95)
	// Dedicated nodes in the example: 8 × 30.4167 × $3.673.
	var batch Line
	for _, l := range e.Example.Lines {
		if strings.HasPrefix(l.Item, "batch on dedicated") {
			batch = l
		}
	}
	near(t, "dedicated batch", batch.MonthlyUSD, 8*730.0/24*3.673)
}

// Warm GPU replicas are a fixed cost; a size the table lacks is reported.
func TestWarmReplicasAndUnpricedSizes(t *testing.T) {
	fp := devLike()
	fp.Apps[1].MinReplicas = 1
	fp.Pools[0].VMSize = "Standard_ND96isr_H100_v5"
	e := Compute(fp, Default(), DefaultAssumptions())
	near(t, "warm T4", fixedLine(t, e, "warm GPU replicas").MonthlyUSD, 730*1.5588)
	if len(e.Unpriced) != 1 || !strings.Contains(e.Unpriced[0], "Standard_ND96isr_H100_v5") {
		t.Errorf("unpriced = %v", e.Unpriced)
	}
}

// Every figure of the table names its source and date.
func TestEveryPriceIsSourced(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Default().Prices() {
		if p.ID == "" || p.Source == "" || p.AsOf == "" || p.Unit == "" || seen[p.ID] {
			t.Errorf("price %+v: missing field or duplicate id", p)
		}
		seen[p.ID] = true
	}
}

// An isolated stack pays for its endpoints, their traffic and its zones, by
// hand: 6 endpoints × 730 h × $0.01 = $43.80; 200 GB × $0.01 = $2; 5 zones ×
// $0.50 = $2.50; the Premium registry 30.4167 days × $1.667 = $50.7042.
func TestIsolatedNetworkByHand(t *testing.T) {
	fp := devLike()
	fp.Registries = []Registry{{Name: "cr", SKU: "Premium"}}
	fp.PrivateEndpoints = []string{"pe-blob", "pe-queue", "pe-vault", "pe-registry", "pe-batchAccount", "pe-nodeManagement"}
	fp.PrivateDNSZones = []string{"privatelink.blob.core.windows.net", "privatelink.queue.core.windows.net",
		"privatelink.vaultcore.azure.net", "privatelink.azurecr.io", "privatelink.batch.azure.com"}
	fp.EnvironmentsInNetwork = []string{"cae"}
	base := Compute(devLike(), Default(), DefaultAssumptions())
	e := Compute(fp, Default(), DefaultAssumptions())

	var endpoints, zones float64
	for _, l := range e.Fixed {
		switch l.Item {
		case "private endpoint":
			endpoints += l.MonthlyUSD
		case "private DNS zone":
			zones += l.MonthlyUSD
		}
	}
	near(t, "endpoints", endpoints, 43.80)
	near(t, "data processed", fixedLine(t, e, "private endpoint data processed").MonthlyUSD, 2)
	near(t, "zones", zones, 2.50)
	near(t, "registry", fixedLine(t, e, "container registry").MonthlyUSD, 50.7042)
	near(t, "difference", e.FixedMonthlyUSD-base.FixedMonthlyUSD, 43.80+2+2.50+(50.7042-20.2879))
	found := false
	for _, u := range e.Unpriced {
		found = found || strings.Contains(u, "cae: the standard load balancer")
	}
	if !found {
		t.Errorf("the environment's managed load balancer and public IPs are not listed as unpriced: %v", e.Unpriced)
	}
}
