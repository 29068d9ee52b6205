// Package enginetest runs the stack's program through the real Pulumi engine
// without Azure: the Pulumi CLI built by scripts/pulumi-cli.sh, the Automation
// API running stack.Run as an inline program (no Go language host needed),
// the fake cloud of internal/harness/fakeprovider attached through
// PULUMI_DEBUG_PROVIDERS, a file backend with a passphrase, and the policy
// pack built into an executable for --policy-pack. Config checking,
// registrations, diffs, previews, policy enforcement, state and secrets are
// all the engine's own.
package enginetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// CLIVersion is the CLI scripts/pulumi-cli.sh builds (tools/pulumicli pins it).
const CLIVersion = "v3.276.0"

// RepoRoot is the repository's root directory (this file is three levels down).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// cliRoot is the directory whose bin/pulumi is the built CLI, the layout the
// Automation API's NewPulumiCommand expects.
func cliRoot() string { return filepath.Join(RepoRoot(), ".tools", "pulumi") }

// ErrNoCLI says the CLI has not been built.
var ErrNoCLI = fmt.Errorf("the Pulumi CLI is not built at .tools/pulumi/bin/pulumi: run scripts/pulumi-cli.sh (about 8 minutes the first time)")

// findCLI returns the CLI's root directory, or ErrNoCLI.
func findCLI() (string, error) {
	bin := filepath.Join(cliRoot(), "bin", "pulumi")
	if _, err := os.Stat(bin); err != nil {
		return "", ErrNoCLI
	}
	return cliRoot(), nil
}

// buildPolicyPack compiles the policy pack into dir: the CLI starts a built
// pack directly, while a `runtime: go` pack directory would need the Go
// language host, which cannot be had offline.
func buildPolicyPack(dir string) (string, error) {
	out := filepath.Join(dir, "gpu-orchestration-policy")
	cmd := exec.Command("go", "build", "-o", out, "./policy")
	cmd.Dir = RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the policy pack: %w\n%s", err, b)
	}
	return out, nil
}
