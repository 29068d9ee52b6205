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
	"github.com/gpu-orchestration/gpu-orchestration/internal/schemacheck"
)

func init() {
	register("schemacheck", "compare the batch/managedidentity bindings with "+schemacheck.NPMPackage+"'s type definitions", runSchemaCheck)
}

func runSchemaCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("schemacheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("package", "", "unpacked npm package directory (default: fetch "+schemacheck.NPMPackage+" into .tools/)")
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
	if len(rep.Findings) > 0 {
		return 1
	}
	return 0
}

// fetchProviderTypes downloads the provider's npm tarball once (about 28 MB)
// and unpacks only the files the check reads.
func fetchProviderTypes(cache string, log io.Writer) (string, error) {
	pkg := filepath.Join(cache, "package")
	if _, err := os.Stat(filepath.Join(pkg, "types", "input.d.ts")); err == nil {
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
