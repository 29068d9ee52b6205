package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/gpus"
)

// Model is one model deployment of the stack: the id clients send as
// "model", the serverless GPU its app runs on, the app itself and its batch
// work. A stack lists its models in the models key; without it the
// single-model keys (gpuType, inferenceImage, modelVersion, …) describe one
// model named by modelVersion, and with it they are the defaults of every
// entry that leaves a field out. The first model is the stack's default
// model: its resources keep the names a single-model stack gives them.
type Model struct {
	// Name is the id clients send as "model"; Aliases resolve to it too.
	Name    string
	Aliases []string
	// Key names the model's resources and its own Key Vault secrets: models[i].key,
	// or derived from the name (KeyOf).
	Key string
	// Fallbacks are models that may answer a request for this one when it
	// cannot meet the request's deadline, if the request allows it (or
	// always, with FallbackByDefault).
	Fallbacks         []string
	FallbackByDefault bool
	// GPU is the serverless GPU of the model's app and of its pool's nodes.
	GPU GPUType
	// App is the model's GPU app: scale, image, port, paths, batch command
	// and micro-batch format.
	App Inference
	// ColdStartSeconds is the router's estimate of a replica's cold start.
	ColdStartSeconds int
	// Version (model-version) and GPUMemoryLimit (gpu-memory-limit) are
	// passed to the app and its batch command.
	Version        string
	GPUMemoryLimit string
	// MaxBatchNodes bounds the micro-batches the router runs for the model
	// at once; its pool holds the sum over the pool's models.
	MaxBatchNodes int
	// Revisions split the model's traffic, the stable one first (none: the
	// model is its one app); Rollback says when the router takes a canary
	// out of the split (revisions.go).
	Revisions []Revision
	Rollback  *Rollback

	// set names the fields its models entry gave (nil for the single-model
	// form), so an error names the key the value came from.
	set map[string]bool
}

// modelField is one field of a models entry, with the single-model key
// that gives its default and names it in the single-model form.
type modelField struct {
	name   string
	single string // "" for fields only a models entry has
	ptr    any    // *string, *GPUType, *int, *bool, *[]string or a nestedField in the Model
}

// nestedField decodes a field that holds fields of its own, naming each bad
// one (models[i].revisions[j].weight).
type nestedField interface {
	decodeAt(at string, raw json.RawMessage) []error
}

// fields lists a Model's fields in documentation order.
func (m *Model) fields() []modelField {
	return []modelField{
		{"name", "modelVersion", &m.Name},
		{"aliases", "", &m.Aliases},
		{"key", "", &m.Key},
		{"gpuType", "gpuType", &m.GPU},
		{"image", "inferenceImage", &m.App.Image},
		{"minReplicas", "inferenceMinReplicas", &m.App.MinReplicas},
		{"maxReplicas", "inferenceMaxReplicas", &m.App.MaxReplicas},
		{"concurrency", "inferenceConcurrency", &m.App.Concurrency},
		{"cooldownSeconds", "inferenceCooldownSeconds", &m.App.CooldownSeconds},
		{"coldStartSeconds", "coldStartSeconds", &m.ColdStartSeconds},
		{"port", "inferencePort", &m.App.Port},
		{"path", "inferencePath", &m.App.Path},
		{"healthPath", "inferenceHealthPath", &m.App.HealthPath},
		{"api", "inferenceApi", &m.App.API},
		{"batchCommand", "inferenceBatchCommand", &m.App.BatchCommand},
		{"modelVersion", "modelVersion", &m.Version},
		{"gpuMemoryLimit", "gpuMemoryLimit", &m.GPUMemoryLimit},
		{"maxBatchNodes", "batchMaxNodes", &m.MaxBatchNodes},
		{"fallbacks", "", &m.Fallbacks},
		{"fallbackByDefault", "", &m.FallbackByDefault},
		{"revisions", "", revisionsField{&m.Revisions}},
		{"rollback", "", rollbackField{&m.Rollback}},
	}
}

// ModelFields lists the fields a models entry may have.
func ModelFields() []string {
	var out []string
	for _, f := range (&Model{}).fields() {
		out = append(out, f.name)
	}
	return out
}

// MaxKeyLength bounds a model's key: its app is named
// ca-gpuorch-<stack>-<key>, at most 32 characters with an 8-character stack
// part (azure-docs azure-resource-manager/management/resource-name-rules.md,
// Microsoft.App containerApps).
const MaxKeyLength = 12

// reservedKeys are the workloads whose resource names a model's would take.
var reservedKeys = []string{"router", "inference", "batch", "pool"}

var (
	modelKeyPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	notKeyChars     = regexp.MustCompile(`[^a-z0-9]+`)
)

// KeyOf derives a model's key from its name: lower case, every run of
// other characters a hyphen, cut to MaxKeyLength ("Llama-3.1-8B" →
// "llama-3-1-8b").
func KeyOf(name string) string {
	k := strings.Trim(notKeyChars.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(k) > MaxKeyLength {
		k = strings.TrimRight(k[:MaxKeyLength], "-")
	}
	return k
}

// models reads the stack's models: the models list over the single-model
// keys as defaults, or the one model those keys describe.
func (p *parser) models() ([]Model, bool) {
	base := Model{}
	for _, f := range base.fields() {
		if f.single == "" || f.single == "modelVersion" {
			continue
		}
		switch ptr := f.ptr.(type) {
		case *string:
			*ptr = p.str(f.single)
		case *GPUType:
			*ptr = GPUType(strings.ToUpper(p.str(f.single)))
		case *int:
			*ptr = p.integer(f.single)
		}
	}
	var entries []map[string]json.RawMessage
	p.json("models", &entries, "allowed: a list of models, each with at least name and gpuType")
	if len(entries) == 0 {
		m := base
		m.Name, m.Version = p.str("modelVersion"), p.str("modelVersion")
		m.Key = KeyOf(m.Name)
		return []Model{m}, false
	}
	p.singleOnly("gpuType", "each model sets its own (models[i].gpuType)")
	p.singleOnly("modelVersion", "each model is named by models[i].name and versioned by models[i].modelVersion")
	out := make([]Model, len(entries))
	for i, entry := range entries {
		m := base
		m.set = map[string]bool{}
		fields := m.fields()
		for _, name := range sortedKeys(entry) {
			at := fmt.Sprintf("models[%d].%s", i, name)
			j := slices.IndexFunc(fields, func(f modelField) bool { return f.name == name })
			if j < 0 {
				p.errs = append(p.errs, keyError(at, name, "unknown field; allowed: "+strings.Join(ModelFields(), ", ")))
				continue
			}
			if nested, ok := fields[j].ptr.(nestedField); ok {
				if errs := nested.decodeAt(at, entry[name]); len(errs) > 0 {
					p.errs = append(p.errs, errs...)
					continue
				}
			} else if allowed := decodeField(fields[j].ptr, entry[name]); allowed != "" {
				p.errs = append(p.errs, keyError(at, string(entry[name]), allowed))
				continue
			}
			m.set[name] = true
		}
		if m.GPU != "" {
			m.GPU = GPUType(strings.ToUpper(string(m.GPU)))
		}
		if !m.set["modelVersion"] {
			m.Version = m.Name
		}
		if !m.set["key"] {
			m.Key = KeyOf(m.Name)
		}
		if !m.set["gpuType"] {
			m.GPU = "" // required in every entry
		}
		m.resolveRevisions()
		out[i] = m
	}
	return out, true
}

// singleOnly refuses a single-model key that a models list makes
// meaningless, when the stack sets it to other than its default (the CLI
// passes defaults as values, so an explicit default cannot be told apart).
func (p *parser) singleOnly(key, instead string) {
	v, ok := p.text(key)
	if !ok || strings.EqualFold(strings.TrimSpace(v), p.def(key).(string)) {
		return
	}
	p.errs = append(p.errs, keyError(key, v, "not with models: "+instead+"; remove "+key+" from the stack file"))
}

// decodeField reads one JSON value into ptr, or says what is allowed.
func decodeField(ptr any, raw json.RawMessage) string {
	switch ptr := ptr.(type) {
	case *string:
		if json.Unmarshal(raw, ptr) != nil {
			return "allowed: a string"
		}
		*ptr = strings.TrimSpace(*ptr)
	case *GPUType:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "allowed: " + strings.Join(gpus.Names(), " or ")
		}
		*ptr = GPUType(strings.TrimSpace(s))
	case *int:
		var f float64
		if json.Unmarshal(raw, &f) != nil || f != float64(int(f)) {
			return "allowed: a whole number"
		}
		*ptr = int(f)
	case *float64:
		if json.Unmarshal(raw, ptr) != nil {
			return "allowed: a number"
		}
	case *bool:
		if json.Unmarshal(raw, ptr) != nil {
			return "allowed: true or false"
		}
	case *[]string:
		if json.Unmarshal(raw, ptr) != nil {
			return "allowed: a list of strings"
		}
	}
	return ""
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keyOf names the config key a model's field came from: models[i].<field>
// when its entry set it, else the single-model key whose value it took.
func (c *Config) keyOf(i int, field string) string {
	m := c.Models[i]
	if !c.listed && field == "key" {
		return "modelVersion" // the one model's key derives from it
	}
	required := field == "name" || field == "gpuType"
	if c.listed && (m.set[field] || required || singleKey(field) == "") {
		return fmt.Sprintf("models[%d].%s", i, field)
	}
	if k := singleKey(field); k != "" {
		return k
	}
	return "models"
}

func singleKey(field string) string {
	for _, f := range (&Model{}).fields() {
		if f.name == field {
			return f.single
		}
	}
	return ""
}

// modelError names the key, the value, the model (in the models form) and
// what is allowed.
func (c *Config) modelError(i int, field string, value any, allowed string) error {
	if !c.listed {
		return keyError(c.keyOf(i, field), value, allowed)
	}
	return fmt.Errorf("%s:%s: %v is not allowed for model %s; %s", Namespace, c.keyOf(i, field), quoteIfString(value), c.modelLabel(i), allowed)
}

// modelLabel is how messages name a listed model: by name and place.
func (c *Config) modelLabel(i int) string {
	if name := c.Models[i].Name; name != "" {
		return strconv.Quote(name) + " (models[" + strconv.Itoa(i) + "])"
	}
	return "models[" + strconv.Itoa(i) + "]"
}
