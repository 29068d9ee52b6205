package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ignoreRule is one .dockerignore line: a pattern, negated with "!".
type ignoreRule struct {
	re     *regexp.Regexp
	negate bool
}

// readDockerignore reads the rules. A pattern matches a path or any of its
// parent directories; "*" stays within one path element, "**" spans any,
// and the last matching rule decides — the Docker CLI's semantics
// (docs.docker.com/build/concepts/context/#dockerignore-files).
func readDockerignore(t *testing.T) []ignoreRule {
	t.Helper()
	f, err := os.Open(".dockerignore")
	if err != nil {
		t.Fatalf("the image build context needs a .dockerignore: %v", err)
	}
	defer f.Close()
	var rules []ignoreRule
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := ignoreRule{}
		if strings.HasPrefix(line, "!") {
			r.negate, line = true, line[1:]
		}
		if strings.ContainsAny(line, "[]\\") {
			t.Fatalf(".dockerignore pattern %q: this test understands only *, ** and ?", line)
		}
		expr := regexp.QuoteMeta(filepath.Clean(line))
		expr = strings.NewReplacer(`\*\*/`, `(.*/)?`, `\*\*`, `.*`, `\*`, `[^/]*`, `\?`, `[^/]`).Replace(expr)
		r.re = regexp.MustCompile(`^` + expr + `(/.*)?$`)
		rules = append(rules, r)
	}
	return rules
}

func ignored(rules []ignoreRule, path string) bool {
	out := false
	for _, r := range rules {
		if r.re.MatchString(path) {
			out = !r.negate
		}
	}
	return out
}

// Every Go file the two image binaries are built from must reach the build
// context, and what the images do not need must not: a package moved out of
// router/ would otherwise build locally and fail only in `pulumi up`.
func TestDockerContextHoldsWhatTheImagesBuildAndNothingElse(t *testing.T) {
	rules := readDockerignore(t)
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, bin := range []string{"./router/cmd/router", "./refmodel/cmd/refmodel"} {
		out, err := exec.Command("go", "list", "-deps", "-f", `{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{end}}{{end}}`, bin).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", bin, err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			dir, _ := filepath.Rel(root, fields[0])
			for _, f := range fields[1:] {
				if p := filepath.ToSlash(filepath.Join(dir, f)); ignored(rules, p) {
					t.Errorf("%s needs %s, which .dockerignore leaves out of the build context", bin, p)
				}
			}
		}
	}
	for _, p := range []string{"go.mod", "go.sum", "router/Dockerfile", "refmodel/Dockerfile"} {
		if ignored(rules, p) {
			t.Errorf("%s is left out of the build context", p)
		}
	}
	for _, p := range []string{"node_modules/azurite/package.json", "bin/gpuorch", ".git/HEAD", "docs/preview.md",
		"components/platform.go", "main.go", "Pulumi.dev.yaml", "router/http/server_test.go", "README.md", "router/README.md"} {
		if !ignored(rules, p) {
			t.Errorf("%s is in the image build context: a change to it would rebuild the images", p)
		}
	}
}
