package rules

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// minRetentionDays is the shortest Log Analytics retention we accept: enough
// to look back over a month of routing and cost incidents.
const minRetentionDays = 30

// actionGroupReceivers are the ActionGroup inputs that hold receivers
// (@pulumi/azure-native 2.90.0 insights/actionGroup.d.ts).
var actionGroupReceivers = []string{
	"emailReceivers", "smsReceivers", "webhookReceivers", "azureAppPushReceivers", "voiceReceivers",
	"armRoleReceivers", "logicAppReceivers", "azureFunctionReceivers", "automationRunbookReceivers",
	"eventHubReceivers", "itsmReceivers",
}

func monitoringPolicies() []policyx.Policy {
	return []policyx.Policy{
		resourceRule{
			name:        "log-retention-30-days",
			description: fmt.Sprintf("Log Analytics workspaces keep data at least %d days.", minRetentionDays),
			level:       mandatory,
			types:       []string{"operationalinsights:Workspace"},
			check: func(t target, report func(string, ...any)) {
				if d, ok := get(t.Props, "retentionInDays").number(); ok && d < minRetentionDays {
					report("log analytics workspace %q: raise retentionInDays to at least %d (config logRetentionDays; it is %v)", t.Name, minRetentionDays, d)
				}
			},
		}.policy(),
		stackRule{
			name:        "budget-and-alert-receiver",
			description: "The stack has a budget with a notification, and an enabled action group with at least one receiver, so cost and health alerts reach someone.",
			level:       mandatory,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				budgets := ofType(resources, "consumption:Budget")
				if len(budgets) == 0 {
					report("", "the stack declares no budget: add an azure-native:consumption:Budget over the resource group (config monthlyBudget) with notifications")
				}
				for _, b := range budgets {
					n := get(b.Properties, "notifications")
					if !n.unknown() && len(n.entries()) == 0 {
						report(b.URN, "budget %q has no notifications: add at least one (e.g. actual cost at 80%% and 100%%) with contactEmails or contactGroups", b.Name)
					}
				}
				groups := ofType(resources, "insights:ActionGroup")
				reachable := false
				for _, g := range groups {
					if on, ok := get(g.Properties, "enabled").boolean(); ok && !on {
						continue
					}
					for _, key := range actionGroupReceivers {
						f := get(g.Properties, key)
						if f.unknown() || len(f.items()) > 0 {
							reachable = true
						}
					}
				}
				switch {
				case reachable:
				case len(groups) == 0:
					report("", "the stack declares no action group: add an enabled azure-native:insights:ActionGroup with at least one receiver (config alertEmails)")
				default:
					for _, g := range groups {
						report(g.URN, "action group %q has no receiver or is disabled, so alerts reach no one: set enabled to true and add at least one receiver (config alertEmails)", g.Name)
					}
				}
			},
		}.policy(),
	}
}
