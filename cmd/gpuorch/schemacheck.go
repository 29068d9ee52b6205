package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/plan"
	"github.com/gpu-orchestration/gpu-orchestration/internal/offline/schemacheck"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

func init() {
	register("schemacheck", "compare the batch/managedidentity bindings, and the network resources both stacks send, with "+schemacheck.NPMPackage+"'s type definitions", runSchemaCheck)
}

func runSchemaCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("schemacheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("package", "", "unpacked npm package directory (default: fetch "+schemacheck.NPMPackage+" into .tools/)")
	root := fs.String("root", ".", "directory holding Pulumi.yaml and the stack files whose network resources are checked")
	verbose := fs.Bool("v", false, "list every property compared")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dir == "" {
		var err error
		if *dir, err = fetchProviderTypes(".tools/azure-native-"+binding.AzureNativeVersion, stderr); err != nil {
			fmt.Fprintf(stderr, "gpuorch schemacheck: %v\n", err)
			return 1
		}
	}
	rep, err := schemacheck.Check(*dir, schemacheck.ProjectBindings)
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch schemacheck: %v\n", err)
		return 1
	}
	if *verbose {
		for _, c := range rep.Checked {
			fmt.Fprintln(stdout, "  ok", c)
		}
	}
	for _, f := range rep.Findings {
		fmt.Fprintln(stdout, "  MISMATCH", f)
	}
	fmt.Fprintf(stdout, "schemacheck: %d properties of %d bindings compared with %s: %d mismatches\n",
		len(rep.Checked), len(schemacheck.ProjectBindings), schemacheck.NPMPackage, len(rep.Findings))

	sent, err := sentByStacks(*root, "dev", "prod")
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch schemacheck: %v\n", err)
		return 1
	}
	inputs, err := schemacheck.CheckInputs(*dir, schemacheck.NetworkTypes, sent)
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch schemacheck: %v\n", err)
		return 1
	}
	if *verbose {
		for _, c := range inputs.Checked {
			fmt.Fprintln(stdout, "  ok", c)
		}
	}
	for _, f := range inputs.Findings {
		fmt.Fprintln(stdout, "  MISMATCH", f)
	}
	fmt.Fprintf(stdout, "schemacheck: %d input properties of the %d network resource types the dev and prod stacks send compared with %s: %d mismatches\n",
		len(inputs.Checked), len(schemacheck.NetworkTypes), schemacheck.NPMPackage, len(inputs.Findings))
	if len(rep.Findings)+len(inputs.Findings) > 0 {
		return 1
	}
	return 0
}

// sentByStacks is every resource the stacks' mocked runs register, with the
// inputs as the plan shows them.
func sentByStacks(root string, stacks ...string) ([]schemacheck.Sent, error) {
	var out []schemacheck.Sent
	for _, name := range stacks {
		res, err := mockstack.Run(root, name, stack.Program)
		if err != nil {
			return nil, fmt.Errorf("running stack %s under mocks: %w", name, err)
		}
		for _, r := range plan.Build(res).Resources {
			out = append(out, schemacheck.Sent{Type: r.Type, Name: r.Name, Inputs: r.Inputs})
		}
	}
	return out, nil
}

// fetchProviderTypes downloads the provider's npm tarball once (about 28 MB)
// and unpacks only the files the check reads.
func fetchProviderTypes(cache string, log io.Writer) (string, error) {
	pkg := filepath.Join(cache, "package")
	if cached(cache) {
		return pkg, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	fmt.Fprintf(log, "fetching %s with npm pack into %s\n", schemacheck.NPMPackage, cache)
	pack := exec.Command("npm", "pack", "--silent", schemacheck.NPMPackage)
	pack.Dir = cache
	out, err := pack.Output()
	if err != nil {
		return "", fmt.Errorf("npm pack %s: %w", schemacheck.NPMPackage, err)
	}
	tarball := filepath.Join(cache, string(bytes.TrimSpace(out)))
	untar := exec.Command("tar", append([]string{"-xzf", tarball, "-C", cache}, schemacheck.Files...)...)
	untar.Stderr = log
	if err := untar.Run(); err != nil {
		return "", fmt.Errorf("unpacking %s: %w", tarball, err)
	}
	return pkg, os.Remove(tarball)
}

// cached reports whether every file the check reads is already unpacked.
func cached(cache string) bool {
	for _, f := range schemacheck.Files {
		if _, err := os.Stat(filepath.Join(cache, f)); err != nil {
			return false
		}
	}
	return true
}
