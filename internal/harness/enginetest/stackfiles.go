package enginetest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"
)

// WriteStackFiles copies Pulumi.yaml from root into dir, and root's
// Pulumi.<from>.yaml as dir's Pulumi.<stack>.yaml, with each override ("key" → a YAML value as it would be written in
// the file, e.g. `1`, `"3"`, `[a, b]`) set under the project's namespace;
// an empty override removes the key. The engine tests and the mocks read the
// same files, so both judge the same text.
func WriteStackFiles(root, dir, from, stack string, overrides map[string]string) error {
	proj, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), proj, 0o600); err != nil {
		return err
	}
	file := "Pulumi." + from + ".yaml"
	src, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		return err
	}
	out, err := withOverrides(src, overrides)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return os.WriteFile(filepath.Join(dir, "Pulumi."+stack+".yaml"), out, 0o600)
}

func withOverrides(src []byte, overrides map[string]string) ([]byte, error) {
	if len(overrides) == 0 {
		return src, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	cfg := mappingValue(doc.Content[0], "config")
	if cfg == nil {
		return nil, fmt.Errorf("no config: mapping")
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := "gpu-orchestration:" + k
		removeKey(cfg, name)
		if overrides[k] == "" {
			continue
		}
		var value yaml.Node
		if err := yaml.Unmarshal([]byte(overrides[k]), &value); err != nil {
			return nil, fmt.Errorf("override %s: %w", k, err)
		}
		cfg.Content = append(cfg.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: name}, value.Content[0])
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func removeKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}
