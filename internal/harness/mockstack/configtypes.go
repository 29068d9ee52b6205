package mockstack

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// checkTypes rejects the stack values whose type disagrees with Pulumi.yaml,
// as the Pulumi CLI does before it runs the program (validateStackConfigValue
// in pulumi/pkg/v3 workspace/config.go, CLI v3.276.0): the files are read by
// the SDK's own loaders, each value is taken as the CLI stores it (text for a
// scalar, JSON for a list or map) and judged by the SDK's
// workspace.ValidateConfigValue, and the error reads as the CLI's.
// Consequences a reader may not expect, all the CLI's: "3" passes for an
// integer, "true" for a boolean; 3.5, 1 for a boolean, and a scalar for a
// list or map fail.
func checkTypes(root, stack string) error {
	proj, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return err
	}
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: "never"})
	ps, err := workspace.LoadProjectStack(sink, proj, filepath.Join(root, "Pulumi."+stack+".yaml"))
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(proj.Config))
	for k := range proj.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		decl := proj.Config[name]
		if !decl.IsExplicitlyTyped() {
			continue
		}
		key, err := config.ParseKey(namespaced(proj.Name.String(), name))
		if err != nil {
			return err
		}
		v, ok, err := ps.Config.Get(key, true)
		if err != nil {
			return fmt.Errorf("Pulumi.%s.yaml: %s: %w", stack, name, err)
		}
		if !ok {
			continue // Pulumi.yaml's default applies
		}
		text, err := v.Value(config.NopDecrypter)
		if err != nil {
			return err
		}
		var content any = text
		if v.Object() {
			if err := json.Unmarshal([]byte(text), &content); err != nil {
				return err
			}
		}
		if !workspace.ValidateConfigValue(*decl.Type, decl.Items, content) {
			return fmt.Errorf("Stack '%s' with configuration key '%s' must be of type '%s'",
				stack, strings.TrimPrefix(name, proj.Name.String()+":"), workspace.InferFullTypeName(*decl.Type, decl.Items))
		}
	}
	return nil
}
