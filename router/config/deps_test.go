package config_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gpu-orchestration/gpu-orchestration"

// The contract between the stack and the router depends on the domain alone,
// so the Pulumi program, which reads router/config to set the router's
// environment, links neither the dispatcher, the live tracker, Prometheus nor
// the Azure SDK.
func TestContractDependsOnTheDomainOnly(t *testing.T) {
	for _, c := range []struct {
		pkg string
		// mayUse is the packages of this module, other than itself, that pkg
		// may depend on; nil allows any outside router/.
		mayUse []string
	}{
		{module + "/router/config", []string{module + "/router"}},
		{module, []string{module + "/router", module + "/router/config"}}, // the Pulumi program
	} {
		for _, dep := range deps(t, c.pkg) {
			inModule := dep == module || strings.HasPrefix(dep, module+"/")
			implementation := strings.Contains(dep, "prometheus") || strings.HasPrefix(dep, "github.com/Azure/azure-sdk-for-go/")
			mayUse := dep == c.pkg || slices.Contains(c.mayUse, dep) ||
				(c.pkg == module && !strings.HasPrefix(dep, module+"/router"))
			if (inModule && !mayUse) || implementation {
				t.Errorf("%s depends on %s; the contract may use only the domain package %s/router", c.pkg, dep, module)
			}
		}
	}
}

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}
