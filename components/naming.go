// Package components holds one typed ComponentResource per tier of the
// platform, one file each, and the platform component that composes them.
package components

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// Naming builds Azure names from Cloud Adoption Framework abbreviations
// (azure-docs cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations.md)
// with the workload and stack as suffix. Globally unique names (registry,
// Batch) add a short hash of subscription, resource group and stack, so two
// subscriptions deploying the same stack don't clash and a redeploy keeps
// the same name. Names Azure holds after their resource is deleted (Key
// Vault under purge protection, a retained storage account) take a random
// suffix per deployment instead, when one is set (WithSuffix).
//
// Every name satisfies its type's rule in internal/azure/azurenames for any stack
// name Pulumi accepts: the stack's part is at most 8 lower-case letters and
// digits, and a name that would still be too long shortens that part.
type Naming struct {
	Workload string // "gpuorch"
	// Stack is the stack's part of every name (config.StackPart).
	Stack  string
	unique string
	suffix *pulumi.StringOutput
}

// NewNaming derives the unique part from the subscription, resource group
// and stack; the same inputs always give the same names.
func NewNaming(stack, subscriptionID, resourceGroup string) Naming {
	sum := sha256.Sum256([]byte(subscriptionID + "/" + resourceGroup + "/" + stack))
	return Naming{Workload: "gpuorch", Stack: config.StackPart(stack), unique: hex.EncodeToString(sum[:])[:6]}
}

// WithSuffix returns the naming with a per-deployment random suffix for
// Lasting names (six lower-case letters and digits).
func (n Naming) WithSuffix(suffix pulumi.StringOutput) Naming {
	n.suffix = &suffix
	return n
}

// Hyphenated is "<abbr>-gpuorch-<stack>", for names unique within a resource group.
func (n Naming) Hyphenated(abbr string) string {
	return abbr + "-" + n.Workload + "-" + n.Stack
}

// Global is "<abbr>gpuorch<stack><hash>" for globally unique names limited
// to lower-case letters and digits (registry, Batch: at most 24 characters;
// 2 + 7 + 8 + 6 = 23).
func (n Naming) Global(abbr string) string {
	return abbr + n.Workload + n.Stack + n.unique
}

// Lasting is a globally unique name that Azure may hold after its resource
// is deleted, built by name from the deployment's random suffix (WithSuffix)
// or, without one, the deterministic hash of Global.
func (n Naming) Lasting(name func(n Naming, suffix string) string) pulumi.StringOutput {
	if n.suffix == nil {
		return pulumi.String(name(n, n.unique)).ToStringOutput()
	}
	return n.suffix.ApplyT(func(s string) string { return name(n, s) }).(pulumi.StringOutput)
}

// CompactName is "<abbr>gpuorch<stack><suffix>", lower-case letters and
// digits (storage accounts: 3 to 24; 2 + 7 + 8 + 6 = 23).
func CompactName(abbr string) func(Naming, string) string {
	return func(n Naming, suffix string) string { return abbr + n.Workload + n.Stack + suffix }
}

// HyphenatedName is "<abbr>-gpuorch-<stack>-<suffix>" in at most maxLen
// characters, the stack's part shortened to fit (the suffix already tells
// stacks apart): a Key Vault name is 3 to 24 characters, and
// "kv-gpuorch-staging-abc123" would be 25.
func HyphenatedName(abbr string, maxLen int) func(Naming, string) string {
	return func(n Naming, suffix string) string {
		stack := n.Stack
		if over := len(abbr) + len(n.Workload) + len(stack) + len(suffix) + 3 - maxLen; over > 0 {
			stack = stack[:max(len(stack)-over, 0)]
		}
		if stack == "" {
			return abbr + "-" + n.Workload + "-" + suffix
		}
		return abbr + "-" + n.Workload + "-" + stack + "-" + suffix
	}
}
