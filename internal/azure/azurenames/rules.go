// Package azurenames holds Azure's naming rules for the resource types the
// stack names: length, characters, and whether the name must be unique
// across Azure. The provider schema accepts any string; Azure rejects the
// deployment. The stack's property test checks every generated name against
// these rules for many stack names.
package azurenames

import (
	"fmt"
	"regexp"
)

// Rule is one resource type's naming rule.
type Rule struct {
	Min, Max int
	// Pattern is the whole name's allowed shape (characters, first and last
	// character, no consecutive hyphens where Azure forbids them).
	Pattern *regexp.Regexp
	// Says is the rule in Azure's words, for error messages.
	Says string
	// Global means the name is a DNS name under an Azure domain, unique
	// across all of Azure (for Batch: within the region).
	Global bool
}

// Source of the rules: azure-docs
// azure-resource-manager/management/resource-name-rules.md (the "Naming
// rules and restrictions for Azure resources" page), except where noted.
const Source = "learn.microsoft.com azure/azure-resource-manager/management/resource-name-rules"

var (
	lowerAlnum  = regexp.MustCompile(`^[a-z0-9]+$`)
	alnum       = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	guid        = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	keyVault    = regexp.MustCompile(`^[A-Za-z](?:[A-Za-z0-9]|-[A-Za-z0-9])*$`)
	containerAp = regexp.MustCompile(`^[a-z](?:[a-z0-9]|-[a-z0-9])*$`)
	environment = regexp.MustCompile(`^[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?$`)
	identity    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	workspace   = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$`)
	rgName      = regexp.MustCompile(`^[-\w.()]*[-\w()]$`)
	monitorName = regexp.MustCompile(`^[^*#&+:<>?@%{}\\/|]*[^*#&+:<>?@%{}\\/|. ]$`)
	storageSub  = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9])*$`)
	budget      = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	secretName  = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	poolName    = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	networkName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)
	cdnName     = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$`)
	wafPolicy   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
)

// Rules by azure-native type ("module:Type", any API version).
var Rules = map[string]Rule{
	"resources:ResourceGroup":              {1, 90, rgName, "1-90 alphanumerics, underscores, parentheses, hyphens, periods; not ending in a period", false},
	"keyvault:Vault":                       {3, 24, keyVault, "3-24 alphanumerics and hyphens, start with a letter, end with a letter or digit, no consecutive hyphens", true},
	"keyvault:Secret":                      {1, 127, secretName, "1-127 alphanumerics and hyphens", false},
	"storage:StorageAccount":               {3, 24, lowerAlnum, "3-24 lowercase letters and numbers", true},
	"storage:Queue":                        {3, 63, storageSub, "3-63 lowercase letters, numbers and single hyphens, starting and ending alphanumeric", false},
	"storage:BlobContainer":                {3, 63, storageSub, "3-63 lowercase letters, numbers and single hyphens, starting and ending alphanumeric", false},
	"containerregistry:Registry":           {5, 50, alnum, "5-50 alphanumerics", true},
	"batch:BatchAccount":                   {3, 24, lowerAlnum, "3-24 lowercase letters and numbers (unique within the region)", true},
	"batch:Pool":                           {1, 64, poolName, "1-64 alphanumerics, underscores and hyphens", false},
	"app:ContainerApp":                     {2, 32, containerAp, "2-32 lowercase letters, numbers and hyphens, start with a letter, end alphanumeric, no '--'", false},
	"app:ManagedEnvironment":               {2, 60, environment, "2-60 alphanumerics and hyphens, start with a letter, end alphanumeric", false},
	"managedidentity:UserAssignedIdentity": {3, 128, identity, "3-128 alphanumerics, hyphens and underscores, start alphanumeric", false},
	"operationalinsights:Workspace":        {4, 63, workspace, "4-63 alphanumerics and hyphens, start and end alphanumeric", false},
	"insights:ActionGroup":                 {1, 260, monitorName, "1-260 characters without :<>+/&%\\?|, not ending in a space or period", false},
	"insights:MetricAlert":                 {1, 260, monitorName, "1-260 characters without *#&+:<>?@%{}\\/, not ending in a space or period", false},
	"insights:ScheduledQueryRule":          {1, 260, monitorName, "1-260 characters without *#&+:<>?@%{}\\/, not ending in a space or period", false},
	"insights:DiagnosticSetting":           {1, 260, monitorName, "1-260 characters without */%&:\\?+, not ending in a space or period", false},
	"insights:Workbook":                    {36, 36, guid, "a GUID", false},
	"authorization:RoleAssignment":         {36, 36, guid, "a GUID, unique within the Microsoft Entra tenant (azure-docs role-based-access-control/role-assignments.md)", false},
	"consumption:Budget":                   {1, 63, budget, "1-63 alphanumerics, underscores and hyphens", false},
	"network:VirtualNetwork":               {2, 64, networkName, "2-64 alphanumerics, underscores, periods and hyphens, start alphanumeric, end alphanumeric or underscore", false},
	"network:NetworkSecurityGroup":         {1, 80, networkName, "1-80 alphanumerics, underscores, periods and hyphens, start alphanumeric, end alphanumeric or underscore", false},
	"network:PrivateEndpoint":              {2, 64, networkName, "2-64 alphanumerics, underscores, periods and hyphens, start alphanumeric, end alphanumeric or underscore", false},
	"network:VirtualNetworkLink":           {1, 80, networkName, "1-80 alphanumerics, underscores, periods and hyphens, start alphanumeric, end alphanumeric or underscore", false},
	"cdn:Profile":                          {1, 260, cdnName, "1-260 alphanumerics and hyphens, start and end alphanumeric", false},
	"cdn:AFDEndpoint":                      {1, 50, cdnName, "1-50 alphanumerics and hyphens, start and end alphanumeric (unique across Azure; Front Door adds a hash to the host name)", true},
	"cdn:AFDOriginGroup":                   {1, 50, cdnName, "1-50 alphanumerics and hyphens, start and end alphanumeric", false},
	"cdn:AFDOrigin":                        {1, 50, cdnName, "1-50 alphanumerics and hyphens, start and end alphanumeric", false},
	"cdn:Route":                            {1, 50, cdnName, "1-50 alphanumerics and hyphens, start and end alphanumeric", false},
	// FrontDoorWebApplicationFirewallPolicies.
	"network:Policy": {1, 128, wafPolicy, "1-128 alphanumerics, start with a letter", false},
}

// Check reports whether name satisfies the rule, with the reason if not.
func (r Rule) Check(name string) error {
	if len(name) < r.Min || len(name) > r.Max || !r.Pattern.MatchString(name) {
		return fmt.Errorf("%q (%d characters) breaks Azure's rule: %s", name, len(name), r.Says)
	}
	return nil
}
