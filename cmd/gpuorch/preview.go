package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gpu-orchestration/gpu-orchestration/internal/mockstack"
	"github.com/gpu-orchestration/gpu-orchestration/internal/plan"
	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

func init() {
	register("preview", "offline plan of a stack: resources, outputs (-json for the plan document)", runPreview)
}

func runPreview(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stackName := fs.String("stack", "dev", "stack whose Pulumi.<stack>.yaml to plan")
	root := fs.String("root", ".", "directory holding Pulumi.yaml")
	asJSON := fs.Bool("json", false, "print the plan as one JSON document")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res, err := mockstack.Run(*root, *stackName, stack.Program)
	if err != nil {
		fmt.Fprintf(stderr, "gpuorch preview: %v\n", err)
		return 1
	}
	doc := plan.Build(res)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			fmt.Fprintf(stderr, "gpuorch preview: %v\n", err)
			return 1
		}
		return 0
	}
	printTree(stdout, doc)
	return 0
}

// printTree prints components with their children indented beneath them.
func printTree(w io.Writer, doc plan.Document) {
	children := map[string][]plan.Resource{}
	for _, r := range doc.Resources {
		children[r.Parent] = append(children[r.Parent], r)
	}
	fmt.Fprintf(w, "stack %s (project %s): %d resources\n", doc.Stack, doc.Project, len(doc.Resources))
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, r := range children[parent] {
			fmt.Fprintf(w, "%s%s  %s\n", strings.Repeat("  ", depth+1), r.Type, r.Name)
			walk(r.URN, depth+1)
		}
	}
	roots := map[string]bool{}
	urns := map[string]bool{}
	for _, r := range doc.Resources {
		urns[r.URN] = true
	}
	for _, r := range doc.Resources {
		if !urns[r.Parent] && !roots[r.Parent] {
			roots[r.Parent] = true
			walk(r.Parent, 0)
		}
	}
	fmt.Fprintln(w, "outputs:")
	keys := make([]string, 0, len(doc.Outputs))
	for k := range doc.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %v\n", k, doc.Outputs[k])
	}
}
