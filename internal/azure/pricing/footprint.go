package pricing

// Footprint is what a stack is billed for, as its plan declares it. The plan
// package reads it from the resources' inputs, so a change to the stack
// changes the estimate.
type Footprint struct {
	Region          string      `json:"region"`
	Apps            []App       `json:"apps"`
	Pools           []Pool      `json:"pools"`
	Registries      []Registry  `json:"registries"`
	Workspaces      []Workspace `json:"workspaces"`
	StorageAccounts []string    `json:"storageAccounts"`
	// StorageNotLRS are the storage accounts replicated other than LRS, by
	// their SKU (storageRedundancy): the table prices capacity at LRS only.
	StorageNotLRS map[string]string `json:"storageNotLRS,omitempty"`
	KeyVaults     []string          `json:"keyVaults"`
	// KeyVaultSecrets is how many settings the router re-reads from Key Vault.
	KeyVaultSecrets int `json:"keyVaultSecrets"`
	// PrivateEndpoints and PrivateDNSZones are the network tier's billable
	// parts (a virtual network, subnets and NSGs cost nothing).
	PrivateEndpoints []string `json:"privateEndpoints"`
	PrivateDNSZones  []string `json:"privateDNSZones"`
	// EnvironmentsInNetwork are Container Apps environments joined to the
	// stack's own virtual network.
	EnvironmentsInNetwork []string `json:"environmentsInNetwork"`
	// MonthlyBudget is the stack's budget amount, 0 when it has none.
	MonthlyBudget float64 `json:"monthlyBudget"`
}

// ConsumptionProfile is the workload profile type of CPU apps.
const ConsumptionProfile = "Consumption"

// App is a Container App: its workload profile type, the resources of one
// replica (summed over its containers) and its scale bounds.
type App struct {
	Name        string  `json:"name"`
	ProfileType string  `json:"profileType"`
	VCPU        float64 `json:"vcpu"`
	MemoryGiB   float64 `json:"memoryGiB"`
	MinReplicas int     `json:"minReplicas"`
	MaxReplicas int     `json:"maxReplicas"`
}

// Pool is a Batch pool.
type Pool struct {
	Name     string `json:"name"`
	VMSize   string `json:"vmSize"`
	MaxNodes int    `json:"maxNodes"`
	Spot     bool   `json:"spot"`
}

// Registry is a container registry.
type Registry struct {
	Name string `json:"name"`
	SKU  string `json:"sku"`
}

// Workspace is a Log Analytics workspace.
type Workspace struct {
	Name          string `json:"name"`
	SKU           string `json:"sku"`
	RetentionDays int    `json:"retentionDays"`
}
