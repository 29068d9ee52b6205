package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// Revision is one version of a model that takes a share of its traffic
// (models[i].revisions). The first is the stable revision, served by the
// model's own app; each other one is a canary with a GPU app of its own, so
// that the router addresses it and it scales to zero on its own (README,
// "Revisions of a model").
type Revision struct {
	// Name names the revision in answers (X-Model-Revision), metrics, logs,
	// the rollout secret and a canary's resources.
	Name string
	// Image and Version are what its app runs and reports: the model's
	// image and modelVersion unless the revision sets its own; the stable
	// revision's own become the model's (resolveRevisions).
	Image   string
	Version string
	// Weight is its share of the model's traffic, in percent; a model's
	// weights sum to 100.
	Weight int

	set map[string]bool // the fields its entry gave
}

// Rollback are a model's thresholds against its stable revision
// (models[i].rollback): the router takes a canary out of the split at once
// when, with MinRequests of its own in the last WindowSeconds, its error
// ratio exceeds stable's by more than MaxErrorRatio or its
// LatencyPercentile answer time exceeds stable's by more than
// MaxLatencyRatio (router/config Rollback).
type Rollback struct {
	MaxErrorRatio     float64
	LatencyPercentile float64
	MaxLatencyRatio   float64
	MinRequests       int
	WindowSeconds     int
}

// Canaries are the model's revisions besides the stable one.
func (m Model) Canaries() []Revision {
	if len(m.Revisions) < 2 {
		return nil
	}
	return m.Revisions[1:]
}

// RolloutSecret names the Key Vault secret the router keeps the model's
// rolled-back canaries in (router.ModelSecret(router.SecretRollout, key)),
// or "" for a model that lists no revisions, which has none.
func (m Model) RolloutSecret() string {
	if len(m.Revisions) == 0 {
		return ""
	}
	return router.ModelSecret(router.SecretRollout, m.Key)
}

// CanaryWorkload is the part of a canary's resource names after the
// stack's: the model's key and the revision's name ("chat-1-v2").
func (m Model) CanaryWorkload(r Revision) string { return m.Key + "-" + r.Name }

// revisionName is what a revision's name may be: it ends a canary's
// Container App name (lower-case letters, digits, single hyphens, ending
// alphanumeric) and the router takes 1 to 24 such characters.
var revisionName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// maxRevisionName is the router's bound on a revision's name.
const maxRevisionName = 24

// appNameFixed are the characters of a Container App's name besides the
// stack's part and the workload's: "ca-gpuorch-<stack>-<workload>"
// (components.Naming.Hyphenated("ca")).
const appNameFixed = len("ca-gpuorch-") + len("-")

// maxAppName is the longest Container App name (azure-docs
// azure-resource-manager/management/resource-name-rules.md, Microsoft.App).
const maxAppName = 32

// revisionFields and rollbackFields are the fields of a revision and of a
// rollback, in documentation order.
var (
	revisionFields = []string{"name", "image", "modelVersion", "weight"}
	rollbackFields = []string{"maxErrorRatio", "latencyPercentile", "maxLatencyRatio", "minRequests", "windowSeconds"}
)

// revisionsField decodes models[i].revisions, naming each bad field.
type revisionsField struct{ into *[]Revision }

func (f revisionsField) decodeAt(at string, raw json.RawMessage) []error {
	var entries []map[string]json.RawMessage
	if json.Unmarshal(raw, &entries) != nil {
		return []error{keyError(at, string(raw), "allowed: a list of revisions, each with name and weight, and optionally image and modelVersion")}
	}
	var errs []error
	out := make([]Revision, len(entries))
	for j, entry := range entries {
		r := Revision{set: map[string]bool{}}
		ptrs := map[string]any{"name": &r.Name, "image": &r.Image, "modelVersion": &r.Version, "weight": &r.Weight}
		for _, name := range sortedKeys(entry) {
			key := fmt.Sprintf("%s[%d].%s", at, j, name)
			ptr, ok := ptrs[name]
			if !ok {
				errs = append(errs, keyError(key, name, "unknown field; allowed: "+strings.Join(revisionFields, ", ")))
				continue
			}
			if allowed := decodeField(ptr, entry[name]); allowed != "" {
				errs = append(errs, keyError(key, string(entry[name]), allowed))
				continue
			}
			r.set[name] = true
		}
		out[j] = r
	}
	*f.into = out
	return errs
}

// rollbackField decodes models[i].rollback, naming each bad field.
type rollbackField struct{ into **Rollback }

func (f rollbackField) decodeAt(at string, raw json.RawMessage) []error {
	var entry map[string]json.RawMessage
	if json.Unmarshal(raw, &entry) != nil {
		return []error{keyError(at, string(raw), "allowed: an object with "+strings.Join(rollbackFields, ", "))}
	}
	var errs []error
	rb := &Rollback{}
	ptrs := map[string]any{"maxErrorRatio": &rb.MaxErrorRatio, "latencyPercentile": &rb.LatencyPercentile,
		"maxLatencyRatio": &rb.MaxLatencyRatio, "minRequests": &rb.MinRequests, "windowSeconds": &rb.WindowSeconds}
	for _, name := range rollbackFields {
		if _, ok := entry[name]; !ok {
			errs = append(errs, fmt.Errorf("%s:%s.%s: missing; a rollback sets every threshold (%s)", Namespace, at, name, strings.Join(rollbackFields, ", ")))
		}
	}
	for _, name := range sortedKeys(entry) {
		key := at + "." + name
		ptr, ok := ptrs[name]
		if !ok {
			errs = append(errs, keyError(key, name, "unknown field; allowed: "+strings.Join(rollbackFields, ", ")))
			continue
		}
		if allowed := decodeField(ptr, entry[name]); allowed != "" {
			errs = append(errs, keyError(key, string(entry[name]), allowed))
		}
	}
	*f.into = rb
	return errs
}

// resolveRevisions makes the stable revision's image and version, where it
// sets them, the model's — the model's app serves its stable revision and
// its Key Vault model-version is stable's — and gives every other revision
// the model's where it sets none.
func (m *Model) resolveRevisions() {
	for j := range m.Revisions {
		r := &m.Revisions[j]
		if r.Image == "" {
			r.Image = m.App.Image
		}
		if r.Version == "" {
			r.Version = m.Version
		}
		if j == 0 {
			m.App.Image, m.Version = r.Image, r.Version
		}
	}
}

// validateRevisions checks model i's revisions and rollback thresholds;
// every error names models[i].revisions[j].<field> or
// models[i].rollback.<field>, the model and what is allowed.
func (c *Config) validateRevisions(i int) []error {
	m := c.Models[i]
	var errs []error
	add := func(field string, value any, allowed string) {
		errs = append(errs, c.modelError(i, field, value, allowed))
	}
	if len(m.Revisions) == 0 {
		if m.Rollback != nil {
			add("rollback", "{…}", "the model lists no revisions: rollback judges canary revisions (models[i].revisions)")
		}
		return errs
	}
	if n := len(m.Revisions); n > routerconfig.MaxRevisions {
		add("revisions", fmt.Sprintf("%d revisions", n), fmt.Sprintf("at most %d: the stable revision and two canaries", routerconfig.MaxRevisions))
	}
	budget := maxAppName - appNameFixed - len(StackPart(c.Stack))
	names, sum := map[string]bool{}, 0
	for j, r := range m.Revisions {
		at := "revisions[" + strconv.Itoa(j) + "]."
		switch {
		case !r.set["name"]:
			errs = append(errs, c.missing(i, at+"name", "each revision has a name"))
		case len(r.Name) > maxRevisionName || !revisionName.MatchString(r.Name) || strings.Contains(r.Name, "--"):
			add(at+"name", r.Name, fmt.Sprintf("allowed: 1 to %d lower-case letters, digits and single hyphens, starting and ending with a letter or digit", maxRevisionName))
		case names[r.Name]:
			add(at+"name", r.Name, "another revision of the model has it; each revision's name is its own")
		case j > 0 && len(m.CanaryWorkload(r)) > budget:
			app := c.appNameStart() + "-" + m.CanaryWorkload(r)
			add(at+"name", r.Name, fmt.Sprintf("its app would be named %s, %d characters, above the %d a Container App name may have: "+
				"name the revision in at most %d characters, or shorten the model's key", app, len(app), maxAppName, budget-len(m.Key)-1))
		}
		names[r.Name] = true
		switch {
		case !r.set["weight"]:
			errs = append(errs, c.missing(i, at+"weight", "each revision has a weight, in percent of the model's traffic"))
		case r.Weight < 0 || r.Weight > 100:
			add(at+"weight", r.Weight, "allowed: 0 to 100 (percent of the model's traffic)")
		}
		sum += r.Weight
	}
	if sum != 100 {
		add("revisions", fmt.Sprintf("weights summing to %d", sum), "the weights of a model's revisions sum to 100")
	}
	if rb := m.Rollback; rb != nil {
		for _, t := range []struct {
			field string
			bad   bool
			value any
			rule  string
		}{
			{"maxErrorRatio", rb.MaxErrorRatio <= 0 || rb.MaxErrorRatio > 1, rb.MaxErrorRatio, "above 0, at most 1 (how far the canary's error ratio may exceed stable's)"},
			{"latencyPercentile", rb.LatencyPercentile <= 0 || rb.LatencyPercentile >= 100, rb.LatencyPercentile, "above 0, below 100 (e.g. 95 for p95)"},
			{"maxLatencyRatio", rb.MaxLatencyRatio < 1, rb.MaxLatencyRatio, "1 or more (the canary's latency over stable's)"},
			{"minRequests", rb.MinRequests < 1, rb.MinRequests, "1 or more (the canary's requests in the window before it is judged)"},
			{"windowSeconds", rb.WindowSeconds < 10, rb.WindowSeconds, "10 or more"},
		} {
			if t.bad {
				add("rollback."+t.field, t.value, "allowed: "+t.rule)
			}
		}
	}
	return errs
}

// validateCanaryApps checks that no canary's app takes another app's name:
// every model's (its key, or inference for the default model), the
// router's and the other canaries'.
func (c *Config) validateCanaryApps() []error {
	owner := map[string]string{"router": "the router"}
	for i, m := range c.Models {
		workload := m.Key
		if i == 0 {
			workload = "inference"
		}
		owner[workload] = "model " + c.modelLabel(i)
	}
	var errs []error
	for i, m := range c.Models {
		for j, r := range m.Canaries() {
			w := m.CanaryWorkload(r)
			if other, taken := owner[w]; taken {
				errs = append(errs, c.modelError(i, fmt.Sprintf("revisions[%d].name", j+1), r.Name,
					fmt.Sprintf("its app would be named %s-%s like the app of %s: rename the revision", c.appNameStart(), w, other)))
				continue
			}
			owner[w] = fmt.Sprintf("revision %s of model %s", r.Name, c.modelLabel(i))
		}
	}
	return errs
}

// appNameStart is how the stack's Container App names begin.
func (c *Config) appNameStart() string { return "ca-gpuorch-" + StackPart(c.Stack) }

// missing names a required field model i's entry left out.
func (c *Config) missing(i int, field, why string) error {
	return fmt.Errorf("%s:models[%d].%s: missing for model %s; %s", Namespace, i, field, c.modelLabel(i), why)
}
