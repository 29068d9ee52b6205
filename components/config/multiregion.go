package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// Stack kinds (stackKind).
const (
	// KindRegional deploys one region's platform, alone or behind a
	// global stack.
	KindRegional = "regional"
	// KindGlobal deploys only the global entry: Azure Front Door before the
	// regional stacks' routers.
	KindGlobal = "global"
)

// Deployment is a stack's place in a multi-region deployment: one regional
// stack per region, each a whole platform, behind one global stack whose
// front door sends each caller to the nearest healthy region.
type Deployment struct {
	Kind string
	// GlobalStack (regional stacks) is the global stack the region sits
	// behind, as a stack reference name; "" for a region on its own.
	GlobalStack string
	// Spillover (regional stacks behind a global one) is the router's
	// SPILLOVER: off or realtime.
	Spillover string
	// RegionStacks (the global stack) are the regional stacks whose routers
	// are the front door's origins, as stack reference names.
	RegionStacks []string
	// DrainedRegions (the global stack) are regions whose origin the front
	// door takes out of rotation.
	DrainedRegions []string
	// RateLimitPerMinute (the global stack) is how many requests one client
	// IP may send in a minute before the front door's firewall refuses it.
	RateLimitPerMinute int
}

// Global reports whether the stack is the global one.
func (d Deployment) Global() bool { return d.Kind == KindGlobal }

// Joined reports whether a regional stack sits behind a global stack.
func (d Deployment) Joined() bool { return d.Kind == KindRegional && d.GlobalStack != "" }

func (p *parser) deployment() Deployment {
	return Deployment{
		Kind:               p.str("stackKind"),
		GlobalStack:        p.str("globalStack"),
		Spillover:          p.str("spillover"),
		RegionStacks:       p.strings("regionStacks"),
		DrainedRegions:     p.strings("drainedRegions"),
		RateLimitPerMinute: p.integer("frontDoorRateLimit"),
	}
}

// globalKeys are the keys the global stack reads: where its resource group
// goes, whom its alerts and budget reach, its tags, and its own keys. The
// global-only ones are the last three; every other key describes a
// region's platform.
var (
	globalKeys = []string{"stackKind", "location", "resourceGroupName", "alertEmails", "monthlyBudget",
		"budgetStartDate", "logRetentionDays", "tags", "regionStacks", "drainedRegions", "frontDoorRateLimit"}
	globalOnlyKeys = globalKeys[len(globalKeys)-3:]
)

// StorageRedundancies are the storage account replications the stack
// offers, as the SKU names Standard_<redundancy> spell them (azure-docs
// storage/common/storage-redundancy.md).
var StorageRedundancies = []string{"LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"}

// GeoRedundant reports whether a redundancy copies the account to the
// paired region (and so can be failed over to it).
func GeoRedundant(redundancy string) bool { return strings.Contains(redundancy, "GRS") }

// regionsWithoutPair have no paired region, so no geo-redundant storage
// (azure-docs reliability/regions-paired.md, "List of nonpaired regions").
var regionsWithoutPair = []string{"austriaeast", "israelcentral", "italynorth", "mexicocentral",
	"newzealandnorth", "polandcentral", "qatarcentral", "spaincentral"}

// stackRef is a stack reference name: a stack of this project, or
// org/project/stack.
var stackRef = regexp.MustCompile(`^(?:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/)?[A-Za-z0-9_.-]+$`)

// validateDeployment checks the multi-region keys and that a stack sets no
// key its kind does not read: a global stack deploys no platform, and a
// regional one no front door, so such a key would silently do nothing.
func (c *Config) validateDeployment(raw map[string]string) []error {
	var errs []error
	add := func(key string, value any, allowed string) { errs = append(errs, keyError(key, value, allowed)) }
	d := c.Deployment
	switch d.Kind {
	case KindRegional:
		c.validateRegional(raw, add)
	case KindGlobal:
		c.validateGlobal(raw, add)
	default:
		add("stackKind", d.Kind, "allowed: regional (a region's platform), global (the front door before the regionStacks)")
	}
	return errs
}

func (c *Config) validateRegional(raw map[string]string, add func(string, any, string)) {
	d := c.Deployment
	for _, k := range globalOnlyKeys {
		if v, ok := raw[k]; ok && !isDefault(k, v) {
			add(k, v, "only on the global stack (stackKind: global); a regional stack names its global stack with globalStack")
		}
	}
	if d.GlobalStack != "" && (!stackRef.MatchString(d.GlobalStack) || d.GlobalStack == c.Stack) {
		add("globalStack", d.GlobalStack, "allowed: another stack's name, or org/project/stack (letters, digits, '_', '.', '-')")
	}
	switch d.Spillover {
	case routerconfig.SpilloverOff:
	case routerconfig.SpilloverRealtime:
		if d.GlobalStack == "" {
			add("spillover", d.Spillover, "allowed: off, as long as globalStack is empty: a region alone has no peer to spill over to")
		}
	default:
		add("spillover", d.Spillover, "allowed: off (requests stay in their region), realtime (a peer region may answer realtime requests this one cannot)")
	}
	switch {
	case !slices.Contains(StorageRedundancies, c.StorageRedundancy):
		add("storageRedundancy", c.StorageRedundancy, "allowed: "+strings.Join(StorageRedundancies, ", "))
	case GeoRedundant(c.StorageRedundancy) && slices.Contains(regionsWithoutPair, c.Location):
		add("storageRedundancy", c.StorageRedundancy, fmt.Sprintf("allowed in %s, a region without a paired region: LRS, ZRS", c.Location))
	}
}

func (c *Config) validateGlobal(raw map[string]string, add func(string, any, string)) {
	d := c.Deployment
	for _, k := range keyNames() {
		if v, ok := raw[k]; ok && !slices.Contains(globalKeys, k) && !isDefault(k, v) {
			add(k, v, "not on the global stack (stackKind: global), which deploys only the front door; set it on the regional stacks")
		}
	}
	if len(d.RegionStacks) == 0 {
		add("regionStacks", "[]", "allowed: at least one regional stack, whose router the front door sends traffic to")
	}
	seen := map[string]bool{}
	for _, s := range d.RegionStacks {
		if !stackRef.MatchString(s) || s == c.Stack || seen[StackName(s)] {
			add("regionStacks", s, "allowed: regional stacks' names, or org/project/stack, each stack name once, not the global stack itself")
		}
		seen[StackName(s)] = true
	}
	drained := map[string]bool{}
	for _, r := range d.DrainedRegions {
		if drained[r] || r != normalizeRegion(r) || r == "" {
			add("drainedRegions", r, "allowed: Azure region names as the regional stacks' location says them (e.g. swedencentral), each once")
		}
		drained[r] = true
	}
	if len(d.RegionStacks) > 0 && len(drained) >= len(d.RegionStacks) {
		add("drainedRegions", strings.Join(d.DrainedRegions, ", "), "allowed: fewer regions than regionStacks: at least one region must take the traffic")
	}
	if d.RateLimitPerMinute < 1 {
		add("frontDoorRateLimit", d.RateLimitPerMinute, "allowed: a number of requests per minute above 0")
	}
}

// isDefault reports whether a raw value, as the CLI passes it, equals the
// key's schema default: Pulumi hands the program every default of
// Pulumi.yaml too, so only a value that differs was set by the stack.
func isDefault(key, raw string) bool {
	k, ok := keyByName(key)
	if !ok {
		return false
	}
	raw = strings.TrimSpace(raw)
	switch d := k.Default.(type) {
	case string:
		return raw == d
	case int:
		n, err := strconv.Atoi(raw)
		return err == nil && n == d
	case bool:
		b, err := strconv.ParseBool(raw)
		return err == nil && b == d
	default:
		var got any
		return json.Unmarshal([]byte(raw), &got) == nil && reflect.DeepEqual(got, d)
	}
}

// StackName is a stack reference name's stack (org/project/stack → stack):
// what names a regional stack's resources in the global stack.
func StackName(ref string) string {
	return ref[strings.LastIndex(ref, "/")+1:]
}
