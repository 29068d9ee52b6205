package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/gpus"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

var memoryPattern = regexp.MustCompile(`^(\d+)Gi$`)

// validateModels checks each model on its own, then the fleet: unique
// names, aliases and keys, fallbacks that name other models, the pool
// sizes, and the single-model keys a models list makes meaningless.
func (c *Config) validateModels() []error {
	var errs []error
	for i := range c.Models {
		errs = append(errs, c.validateModel(i)...)
	}
	if c.listed {
		errs = append(errs, c.validateFleet()...)
		errs = append(errs, c.validateCanaryApps()...)
	}
	errs = append(errs, c.validatePools()...)
	for _, g := range slices.Sorted(maps.Keys(c.GPUQuota)) {
		if n := c.GPUQuota[g]; !GPUType(g).Known() || n < 1 {
			errs = append(errs, keyError("gpuQuota", fmt.Sprintf("%s: %d", g, n), "allowed: GPU types ("+strings.Join(gpus.Names(), ", ")+") with a number of GPUs above 0"))
		}
	}
	return errs
}

func (c *Config) validateModel(i int) []error {
	var errs []error
	m := &c.Models[i]
	add := func(field string, value any, allowed string) {
		errs = append(errs, c.modelError(i, field, value, allowed))
	}
	if !validName(m.Name) {
		add("name", m.Name, "allowed: the id clients send as \"model\", 1 to 128 printable characters")
	}
	for _, a := range m.Aliases {
		if !validName(a) {
			add("aliases", a, "allowed: ids of 1 to 128 printable characters")
		}
	}
	switch {
	case m.Key == "":
		add("key", m.Key, fmt.Sprintf("the name gives no key; set key to 1 to %d lower-case letters, digits and hyphens", MaxKeyLength))
	case len(m.Key) > MaxKeyLength || !modelKeyPattern.MatchString(m.Key) || strings.Contains(m.Key, "--"):
		add("key", m.Key, fmt.Sprintf("allowed: 1 to %d lower-case letters, digits and single hyphens, starting and ending with a letter or digit", MaxKeyLength))
	case i > 0 && slices.Contains(reservedKeys, m.Key): // the default model's resources are named "inference"
		add("key", m.Key, "allowed: a key other than "+strings.Join(reservedKeys, ", ")+" (their resources have those names)")
	}

	profile, known := gpus.Lookup(gpus.Type(m.GPU))
	if !known {
		add("gpuType", string(m.GPU), "allowed: "+strings.Join(gpus.Names(), ", "))
	} else if c.GPURegionCheck == "strict" && c.Location != "" && !profile.OfferedIn(c.Location) {
		where := fmt.Sprintf("serverless %s GPUs are documented only in %s (set gpuRegionCheck to off for a region added since)",
			m.GPU, strings.Join(profile.Regions, ", "))
		if c.listed {
			add("gpuType", string(m.GPU), fmt.Sprintf("location %s has no serverless %s: %s", c.Location, m.GPU, where))
		} else {
			errs = append(errs, keyError("location", c.Location, where))
		}
	}

	in := m.App
	if in.MinReplicas < 0 {
		add("minReplicas", in.MinReplicas, "allowed: 0 (scale to zero) or more")
	}
	if in.MaxReplicas < 1 || in.MaxReplicas > 300 {
		add("maxReplicas", in.MaxReplicas, "allowed: 1 to 300 (the Container Apps replica limit)")
	}
	if in.MinReplicas > in.MaxReplicas {
		add("minReplicas", in.MinReplicas, fmt.Sprintf("allowed: at most %s (%d)", c.keyOf(i, "maxReplicas"), in.MaxReplicas))
	}
	if in.Concurrency <= 0 {
		add("concurrency", in.Concurrency, "allowed: a number above 0")
	}
	if in.CooldownSeconds < 0 {
		add("cooldownSeconds", in.CooldownSeconds, "allowed: 0 or more seconds")
	}
	if m.ColdStartSeconds <= 0 {
		add("coldStartSeconds", m.ColdStartSeconds, "allowed: a number above 0")
	}
	if in.Port < 1 || in.Port > 65535 {
		add("port", in.Port, "allowed: a TCP port, 1 to 65535")
	}
	for _, f := range []struct{ field, path string }{{"path", in.Path}, {"healthPath", in.HealthPath}} {
		if !strings.HasPrefix(f.path, "/") {
			add(f.field, f.path, `allowed: an absolute HTTP path starting with "/"`)
		}
	}
	if !slices.Contains(routerconfig.InferenceAPIs, in.API) {
		add("api", in.API, "allowed: reference (the reference model's batch lines) or openai (OpenAI batch lines, e.g. vLLM's run-batch)")
	}
	if strings.TrimSpace(in.BatchCommand) == "" {
		add("batchCommand", in.BatchCommand, "allowed: the command line of the image's batch mode")
	}
	if strings.TrimSpace(m.Version) == "" {
		add("modelVersion", m.Version, "allowed: a non-empty version label")
	}
	if m.GPUMemoryLimit == "" && known {
		m.GPUMemoryLimit = fmt.Sprintf("%dGi", profile.MemoryGiB)
	}
	if g := memoryPattern.FindStringSubmatch(m.GPUMemoryLimit); g == nil {
		add("gpuMemoryLimit", m.GPUMemoryLimit, `allowed: whole GiB such as "14Gi"`)
	} else if known {
		var gi int
		fmt.Sscan(g[1], &gi)
		if gi < 1 || gi > profile.MemoryGiB {
			add("gpuMemoryLimit", m.GPUMemoryLimit, fmt.Sprintf("allowed: 1Gi to %dGi, the memory of a %s", profile.MemoryGiB, m.GPU))
		}
	}
	if m.MaxBatchNodes < 1 || m.MaxBatchNodes > 1000 {
		add("maxBatchNodes", m.MaxBatchNodes, "allowed: 1 to 1000")
	}
	return append(errs, c.validateRevisions(i)...)
}

// validName: a model id clients send (OpenAI ids such as
// "meta-llama/Llama-3.1-8B-Instruct" included), printable so that it can
// travel in a header.
func validName(s string) bool {
	return s != "" && len(s) <= 128 && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) })
}

// validateFleet checks what the models of a list owe each other.
func (c *Config) validateFleet() []error {
	var errs []error
	ids := map[string]int{}  // name or alias → model index
	keys := map[string]int{} // key → model index
	for i, m := range c.Models {
		for j, id := range append([]string{m.Name}, m.Aliases...) {
			field := "name"
			if j > 0 {
				field = "aliases"
			}
			if other, dup := ids[id]; dup && id != "" {
				errs = append(errs, c.modelError(i, field, id, "names and aliases must be unique: it also names "+c.modelLabel(other)))
				continue
			}
			ids[id] = i
		}
		if other, dup := keys[m.Key]; dup && m.Key != "" {
			errs = append(errs, c.modelError(i, "key", m.Key, "keys must be unique: "+c.modelLabel(other)+" has it too (set key on one of them)"))
		} else {
			keys[m.Key] = i
		}
	}
	for i, m := range c.Models {
		for _, f := range m.Fallbacks {
			target, ok := ids[f]
			switch {
			case !ok:
				errs = append(errs, c.modelError(i, "fallbacks", f, "allowed: names or aliases of the other models ("+strings.Join(c.otherNames(i), ", ")+")"))
			case target == i:
				errs = append(errs, c.modelError(i, "fallbacks", f, "a model cannot be its own fallback"))
			}
		}
		if m.FallbackByDefault && len(m.Fallbacks) == 0 {
			errs = append(errs, c.modelError(i, "fallbackByDefault", true, "it needs fallbacks to fall back to"))
		}
	}
	return errs
}

// otherNames lists the names of every model but the i-th.
func (c *Config) otherNames(i int) []string {
	var out []string
	for j, m := range c.Models {
		if j != i {
			out = append(out, m.Name)
		}
	}
	return out
}
