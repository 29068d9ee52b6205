package mockstack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// StackConfig is the configuration the Pulumi CLI would hand the program for
// one stack: project defaults from Pulumi.yaml overlaid with the values of
// Pulumi.<stack>.yaml, keyed "namespace:key", every value as text (arrays
// and objects as JSON), exactly the shape of PULUMI_CONFIG.
type StackConfig struct {
	Project string
	Stack   string
	Values  map[string]string
	Secrets []string // keys whose values are secret (PULUMI_CONFIG_SECRET_KEYS)
}

type projectFile struct {
	Name    string                   `yaml:"name"`
	Runtime any                      `yaml:"runtime"`
	Config  map[string]projectConfig `yaml:"config"`
}

type projectConfig struct {
	Type        string `yaml:"type"`
	Default     any    `yaml:"default"`
	Description string `yaml:"description"`
	Secret      bool   `yaml:"secret"`
}

type stackFile struct {
	Config map[string]any `yaml:"config"`
}

// LoadStackConfig reads Pulumi.yaml and Pulumi.<stack>.yaml from root.
func LoadStackConfig(root, stack string) (*StackConfig, error) {
	var proj projectFile
	if err := readYAML(filepath.Join(root, "Pulumi.yaml"), &proj); err != nil {
		return nil, err
	}
	var st stackFile
	if err := readYAML(filepath.Join(root, "Pulumi."+stack+".yaml"), &st); err != nil {
		return nil, err
	}
	if err := checkTypes(root, stack); err != nil {
		return nil, err
	}
	sc := &StackConfig{Project: proj.Name, Stack: stack, Values: map[string]string{}}
	for key, decl := range proj.Config {
		if decl.Default == nil {
			continue
		}
		v, err := encodeValue(decl.Default)
		if err != nil {
			return nil, fmt.Errorf("Pulumi.yaml config %s default: %w", key, err)
		}
		sc.Values[namespaced(proj.Name, key)] = v
		if decl.Secret {
			sc.Secrets = append(sc.Secrets, namespaced(proj.Name, key))
		}
	}
	for key, raw := range st.Config {
		if m, ok := raw.(map[string]any); ok {
			if _, secure := m["secure"]; secure {
				return nil, fmt.Errorf("Pulumi.%s.yaml: %s is an encrypted secret, which an offline run cannot decrypt", stack, key)
			}
		}
		v, err := encodeValue(raw)
		if err != nil {
			return nil, fmt.Errorf("Pulumi.%s.yaml config %s: %w", stack, key, err)
		}
		sc.Values[namespaced(proj.Name, key)] = v
	}
	sort.Strings(sc.Secrets)
	return sc, nil
}

// ProjectKeys returns Pulumi.yaml's declared config keys (without namespace)
// with their type and default, for tests that check the schema.
func ProjectKeys(root string) (map[string]projectConfig, error) {
	var proj projectFile
	if err := readYAML(filepath.Join(root, "Pulumi.yaml"), &proj); err != nil {
		return nil, err
	}
	return proj.Config, nil
}

// EnvJSON is the PULUMI_CONFIG value the CLI would set.
func (c *StackConfig) EnvJSON() string {
	b, _ := json.Marshal(c.Values)
	return string(b)
}

// With returns a copy with the given "key" (project namespace implied unless
// the key has one) set; an empty value removes the key.
func (c *StackConfig) With(overrides map[string]string) *StackConfig {
	out := &StackConfig{Project: c.Project, Stack: c.Stack, Values: map[string]string{}, Secrets: c.Secrets}
	for k, v := range c.Values {
		out.Values[k] = v
	}
	for k, v := range overrides {
		k = namespaced(c.Project, k)
		if v == "" {
			delete(out.Values, k)
			continue
		}
		out.Values[k] = v
	}
	return out
}

func namespaced(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}

// encodeValue writes a YAML value the way the CLI passes it to a program.
func encodeValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	default:
		b, err := json.Marshal(x)
		return string(b), err
	}
}

func readYAML(path string, into any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
