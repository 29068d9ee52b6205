package enginetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/fakeprovider"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

// Passphrase encrypts the throwaway stacks' secrets.
const Passphrase = "engine-test-passphrase"

// Engine is one CLI, one fake cloud and one built policy pack, shared by the
// stacks a test creates.
type Engine struct {
	Cloud      *fakeprovider.Cloud
	PolicyPack string // the built pack executable

	cli  auto.PulumiCommand
	home string // PULUMI_HOME and the file backend
}

// Start builds the policy pack into dir and starts the fake cloud. It
// returns ErrNoCLI when the CLI has not been built.
func Start(dir string) (*Engine, error) {
	root, err := findCLI()
	if err != nil {
		return nil, err
	}
	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return nil, fmt.Errorf("the CLI at %s: %w", root, err)
	}
	pack, err := buildPolicyPack(dir)
	if err != nil {
		return nil, err
	}
	cloud, err := fakeprovider.Start()
	if err != nil {
		return nil, err
	}
	home := filepath.Join(dir, "pulumi-home")
	if err := os.MkdirAll(filepath.Join(home, "state"), 0o700); err != nil {
		cloud.Stop()
		return nil, err
	}
	return &Engine{Cloud: cloud, PolicyPack: pack, cli: cli, home: home}, nil
}

// Stop ends the fake cloud.
func (e *Engine) Stop() { e.Cloud.Stop() }

// env is what every CLI run gets: a local file backend, the passphrase,
// no plugin downloads, and the fake providers to attach to.
func (e *Engine) env() map[string]string {
	return map[string]string{
		"PULUMI_HOME":                                 e.home,
		"PULUMI_BACKEND_URL":                          "file://" + filepath.Join(e.home, "state"),
		"PULUMI_CONFIG_PASSPHRASE":                    Passphrase,
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_DEBUG_PROVIDERS":                      e.Cloud.DebugProviders(),
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
	}
}

// Stack creates (or selects) the named stack in workDir, which gets the
// repository's Pulumi.yaml and Pulumi.<from>.yaml with overrides applied as
// the stack's file (see WriteStackFiles), with stack.Run as its program.
// Call it again with other overrides to change the stack's configuration.
func (e *Engine) Stack(ctx context.Context, workDir, from, name string, overrides map[string]string) (auto.Stack, error) {
	if err := WriteStackFiles(RepoRoot(), workDir, from, name, overrides); err != nil {
		return auto.Stack{}, err
	}
	return auto.UpsertStackInlineSource(ctx, name, "gpu-orchestration", stack.Run,
		auto.WorkDir(workDir),
		auto.Pulumi(e.cli),
		auto.EnvVars(e.env()),
		auto.SecretsProvider("passphrase"),
	)
}
