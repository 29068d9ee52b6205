// Package components holds one typed ComponentResource per tier of the
// platform, one file each, and the platform component that composes them.
package components

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// Naming builds Azure names from Cloud Adoption Framework abbreviations
// (azure-docs cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations.md)
// with the workload and stack as suffix. Globally unique names (storage,
// Key Vault, registry, Batch) add a short hash of subscription, resource
// group and stack, so two subscriptions deploying the same stack don't clash
// and a redeploy keeps the same name.
type Naming struct {
	Workload string // "gpuorch"
	Stack    string
	unique   string
}

// NewNaming derives the unique part from the subscription, resource group
// and stack; the same inputs always give the same names.
func NewNaming(stack, subscriptionID, resourceGroup string) Naming {
	sum := sha256.Sum256([]byte(subscriptionID + "/" + resourceGroup + "/" + stack))
	return Naming{Workload: "gpuorch", Stack: sanitizeStack(stack), unique: hex.EncodeToString(sum[:])[:6]}
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

func sanitizeStack(stack string) string {
	s := nonAlnum.ReplaceAllString(strings.ToLower(stack), "")
	if len(s) > 8 {
		s = s[:8]
	}
	return s
}

// Hyphenated is "<abbr>-gpuorch-<stack>", for names unique within a resource group.
func (n Naming) Hyphenated(abbr string) string {
	return abbr + "-" + n.Workload + "-" + n.Stack
}

// Global is "<abbr>gpuorch<stack><hash>" for globally unique names limited
// to lower-case letters and digits (storage, registry, Batch: at most 24).
func (n Naming) Global(abbr string) string {
	return abbr + n.Workload + n.Stack + n.unique
}

// GlobalHyphenated is "<abbr>-gpuorch-<stack>-<hash>" for globally unique
// names that allow hyphens (Key Vault: at most 24).
func (n Naming) GlobalHyphenated(abbr string) string {
	return n.Hyphenated(abbr) + "-" + n.unique
}
