package config

import (
	"sort"
	"strings"
)

// regionDisplayNames are the display names of Azure's public regions by ARM
// name, as `az account list-locations --query "[].{name:name,
// displayName:displayName}"` prints them.
//
// A regional service tag is named <tag>.<display name without spaces>: the
// service tag discovery API lists ApiManagement.AustraliaCentral for region
// australiacentral (Get-AzNetworkServiceTag, Az.Network docs), hence
// BatchNodeManagement.SwedenCentral and BatchNodeManagement.WestUS3. A tag
// written with the ARM name in lower case is a known source of trouble:
// tools then treat it as an address, not a tag (microsoft/AzureTRE issue
// 1004, Azure/azure-cli-extensions issue 2922, Azure/azure-cli issue 15462).
var regionDisplayNames = map[string]string{
	"australiacentral":   "Australia Central",
	"australiacentral2":  "Australia Central 2",
	"australiaeast":      "Australia East",
	"australiasoutheast": "Australia Southeast",
	"brazilsouth":        "Brazil South",
	"brazilsoutheast":    "Brazil Southeast",
	"canadacentral":      "Canada Central",
	"canadaeast":         "Canada East",
	"centralindia":       "Central India",
	"centralus":          "Central US",
	"eastasia":           "East Asia",
	"eastus":             "East US",
	"eastus2":            "East US 2",
	"francecentral":      "France Central",
	"francesouth":        "France South",
	"germanynorth":       "Germany North",
	"germanywestcentral": "Germany West Central",
	"israelcentral":      "Israel Central",
	"italynorth":         "Italy North",
	"japaneast":          "Japan East",
	"japanwest":          "Japan West",
	"jioindiacentral":    "Jio India Central",
	"jioindiawest":       "Jio India West",
	"koreacentral":       "Korea Central",
	"koreasouth":         "Korea South",
	"mexicocentral":      "Mexico Central",
	"newzealandnorth":    "New Zealand North",
	"northcentralus":     "North Central US",
	"northeurope":        "North Europe",
	"norwayeast":         "Norway East",
	"norwaywest":         "Norway West",
	"polandcentral":      "Poland Central",
	"qatarcentral":       "Qatar Central",
	"southafricanorth":   "South Africa North",
	"southafricawest":    "South Africa West",
	"southcentralus":     "South Central US",
	"southeastasia":      "Southeast Asia",
	"southindia":         "South India",
	"spaincentral":       "Spain Central",
	"swedencentral":      "Sweden Central",
	"switzerlandnorth":   "Switzerland North",
	"switzerlandwest":    "Switzerland West",
	"uaecentral":         "UAE Central",
	"uaenorth":           "UAE North",
	"uksouth":            "UK South",
	"ukwest":             "UK West",
	"westcentralus":      "West Central US",
	"westeurope":         "West Europe",
	"westindia":          "West India",
	"westus":             "West US",
	"westus2":            "West US 2",
	"westus3":            "West US 3",
}

// ServiceTagRegion is the region part of a regional service tag for an ARM
// region name (swedencentral → SwedenCentral), and whether the region is one
// this table knows.
func ServiceTagRegion(location string) (string, bool) {
	name, ok := regionDisplayNames[location]
	return strings.ReplaceAll(name, " ", ""), ok
}

// serviceTagRegions lists the regions ServiceTagRegion knows, for errors.
func serviceTagRegions() []string {
	out := make([]string, 0, len(regionDisplayNames))
	for r := range regionDisplayNames {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}
