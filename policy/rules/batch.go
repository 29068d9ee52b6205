package rules

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// retiredGPUSizes are GPU VM sizes Azure has retired, so a pool asking for
// them never gets a node: NC (v1) and NV (v1) and NCv2 on 6 Sept 2023
// (azure-docs virtual-machines/sizes/migration-guides/nc-series-retirement.md,
// nv-series-retirement.md, ncv2-series-retirement.md), ND (v1) (nd-series-retirement.md),
// NCv3 on 30 Sept 2025 (azure-docs virtual-machines/ncv3-nc6s-nc12s-nc24s-retirement.md).
// Current sizes such as Standard_NC4as_T4_v3 and Standard_NC24ads_A100_v4 do not match.
var retiredGPUSizes = regexp.MustCompile(`(?i)^Standard_(NC\d+r?(_Promo)?|NC\d+r?s_v[23]|ND\d+r?s|NV\d+(_Promo)?)$`)

// unsupportedNodeAgents: Batch ended support for these node agent SKUs
// (batch.node.ubuntu 20.04 on 23 Apr 2025, per docs/azure-facts.md; the
// older Ubuntu agents before it). Pools must use batch.node.ubuntu 22.04 or later.
var unsupportedNodeAgents = map[string]bool{
	"batch.node.ubuntu 16.04": true,
	"batch.node.ubuntu 18.04": true,
	"batch.node.ubuntu 20.04": true,
}

// minEvaluationInterval is the shortest autoscale evaluation interval Batch
// accepts (azure-docs batch/batch-automatic-scaling.md).
const minEvaluationInterval = 5 * time.Minute

var (
	formulaComment  = regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`)
	setsLowPriority = regexp.MustCompile(`\$TargetLowPriorityNodes\s*=[^=]`)
	setsDedicated   = regexp.MustCompile(`\$TargetDedicatedNodes\s*=([^=;\n][^;\n]*)`)
)

func batchPolicies(s Settings) []policyx.Policy {
	return []policyx.Policy{
		resourceRule{
			name:        "batch-no-retired-vm-size",
			description: "Batch pools use a GPU size Azure still offers (not NC, NCv2, NCv3, ND or NV v1).",
			level:       mandatory,
			types:       []string{"batch:Pool"},
			check: func(t target, report func(string, ...any)) {
				if size, ok := get(t.Props, "vmSize").str(); ok && retiredGPUSizes.MatchString(size) {
					report("batch pool %q: %s is a retired size; set vmSize (config batchVmSize) to a current GPU size such as Standard_NC4as_T4_v3 or Standard_NC24ads_A100_v4", t.Name, size)
				}
			},
		}.policy(),
		resourceRule{
			name:        "batch-supported-node-agent",
			description: "Batch pools use a supported node agent (batch.node.ubuntu 22.04 or later).",
			level:       mandatory,
			types:       []string{"batch:Pool"},
			check: func(t target, report func(string, ...any)) {
				agent, ok := get(t.Props, "deploymentConfiguration", "virtualMachineConfiguration", "nodeAgentSkuId").str()
				if ok && unsupportedNodeAgents[strings.ToLower(strings.TrimSpace(agent))] {
					report("batch pool %q: node agent %q is no longer supported; use \"batch.node.ubuntu 22.04\" with image microsoft-dsvm/ubuntu-hpc/2204", t.Name, agent)
				}
			},
		}.policy(),
		resourceRule{
			name:        "batch-autoscale",
			description: "Batch pools autoscale (scaleSettings.autoScale with a formula, evaluated at least every 5 minutes), so idle GPUs go away.",
			level:       mandatory,
			types:       []string{"batch:Pool"},
			check: func(t target, report func(string, ...any)) {
				scale := get(t.Props, "scaleSettings")
				if scale.unknown() {
					return
				}
				if !get(t.Props, "scaleSettings", "fixedScale").absent() {
					report("batch pool %q: replace scaleSettings.fixedScale with scaleSettings.autoScale; a fixed pool bills its GPUs while idle", t.Name)
					return
				}
				formula := get(t.Props, "scaleSettings", "autoScale", "formula")
				if formula.unknown() {
					return
				}
				if text, _ := formula.str(); strings.TrimSpace(text) == "" {
					report("batch pool %q: set scaleSettings.autoScale.formula (the formula that scales on $PendingTasks)", t.Name)
					return
				}
				if iv, ok := get(t.Props, "scaleSettings", "autoScale", "evaluationInterval").str(); ok {
					d, err := isoDuration(iv)
					switch {
					case err != nil:
						report("batch pool %q: scaleSettings.autoScale.evaluationInterval %q is not an ISO 8601 duration such as PT5M", t.Name, iv)
					case d < minEvaluationInterval:
						report("batch pool %q: raise scaleSettings.autoScale.evaluationInterval to at least PT5M (it is %s); Batch rejects shorter intervals", t.Name, iv)
					}
				}
			},
		}.policy(),
		resourceRule{
			name:        "batch-spot-when-asked",
			description: "When the stack asks for Spot (config batchSpot, default true), the pool's formula scales $TargetLowPriorityNodes and keeps $TargetDedicatedNodes at 0.",
			level:       mandatory,
			types:       []string{"batch:Pool"},
			check: func(t target, report func(string, ...any)) {
				if !s.BatchSpot {
					return
				}
				formula := get(t.Props, "scaleSettings", "autoScale", "formula")
				text, ok := formula.str()
				if !ok {
					return // no formula, or unknown: batch-autoscale speaks to that
				}
				// Comments may mention either variable; only statements count.
				text = formulaComment.ReplaceAllString(text, "")
				if !setsLowPriority.MatchString(text) {
					report("batch pool %q: the stack asks for Spot nodes (batchSpot: true) but the autoscale formula never sets $TargetLowPriorityNodes; assign the node count to $TargetLowPriorityNodes", t.Name)
				}
				for _, m := range setsDedicated.FindAllStringSubmatch(text, -1) {
					if rhs := strings.TrimSpace(m[1]); rhs != "0" {
						report("batch pool %q: the stack asks for Spot nodes (batchSpot: true) but the formula sets $TargetDedicatedNodes = %s; set $TargetDedicatedNodes = 0, or set batchSpot: false", t.Name, rhs)
					}
				}
			},
		}.policy(),
		resourceRule{
			name:        "batch-no-shared-key",
			description: "Batch accounts authenticate with Entra ID only (allowedAuthenticationModes without SharedKey), and reach auto-storage with the account's managed identity.",
			level:       mandatory,
			types:       []string{"batch:BatchAccount"},
			check: func(t target, report func(string, ...any)) {
				modes := get(t.Props, "allowedAuthenticationModes")
				switch {
				case modes.unknown():
				case modes.absent():
					report("batch account %q: set allowedAuthenticationModes to [\"AAD\"] (unset, Batch also accepts shared keys)", t.Name)
				default:
					for _, m := range modes.items() {
						if m.IsString() && strings.EqualFold(m.AsString(), "SharedKey") {
							report("batch account %q: remove \"SharedKey\" from allowedAuthenticationModes; use \"AAD\"", t.Name)
						}
					}
				}
				auto := get(t.Props, "autoStorage")
				if auto.absent() || auto.unknown() {
					return
				}
				mode := get(t.Props, "autoStorage", "authenticationMode")
				if mode.unknown() {
					return
				}
				if v, _ := mode.str(); v != "BatchAccountManagedIdentity" {
					report("batch account %q: set autoStorage.authenticationMode to \"BatchAccountManagedIdentity\" (it is %s); the storage account refuses shared keys", t.Name, describe(mode))
				}
			},
		}.policy(),
	}
}

var isoParts = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// isoDuration parses the ISO 8601 durations Batch uses (PT5M, PT1H30M, P1D).
func isoDuration(s string) (time.Duration, error) {
	m := isoParts.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil || s == "P" || strings.HasSuffix(strings.ToUpper(s), "T") {
		return 0, strconv.ErrSyntax
	}
	var d time.Duration
	units := []time.Duration{24 * time.Hour, time.Hour, time.Minute}
	for i, u := range units {
		if m[i+1] != "" {
			n, err := strconv.Atoi(m[i+1])
			if err != nil {
				return 0, err
			}
			d += time.Duration(n) * u
		}
	}
	if m[4] != "" {
		f, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			return 0, err
		}
		d += time.Duration(f * float64(time.Second))
	}
	return d, nil
}
