// Package fakeprovider is the cloud of the engine tests: a pulumirpc
// ResourceProvider server per package (azure-native 2.90.0, random, docker)
// that the real Pulumi engine attaches to through PULUMI_DEBUG_PROVIDERS.
// It creates nothing: it answers with the inputs as outputs, ARM-shaped ids
// and the computed outputs the program reads (the values internal/harness/mockstack
// answers with, so mocks and engine see one cloud), answers the program's
// invokes, and gives the engine detailed diffs. Everything else — config
// checking, the program's registrations, diffs, previews, policy packs,
// state and secrets — is the real engine's.
package fakeprovider

import (
	"fmt"
	"net"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding"
)

// Packages are the provider packages the program uses, at the versions it
// pins (azure-native: the stack's one pin, binding.AzureNativeVersion; the
// others from go.mod).
var Packages = []struct{ Name, Version string }{
	{"azure-native", binding.AzureNativeVersion},
	{"random", "4.18.3"},
	{"docker", "4.10.0"},
}

// Cloud is the set of fake providers, one gRPC server each on loopback.
type Cloud struct {
	providers map[string]*Provider
	ports     map[string]int
	servers   []*grpc.Server
}

// Start serves every package of Packages on its own loopback port.
func Start() (*Cloud, error) {
	c := &Cloud{providers: map[string]*Provider{}, ports: map[string]int{}}
	for _, pkg := range Packages {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("fake provider %s: %w", pkg.Name, err)
		}
		p := newProvider(pkg.Name, pkg.Version)
		srv := grpc.NewServer()
		pulumirpc.RegisterResourceProviderServer(srv, p)
		go func() { _ = srv.Serve(lis) }()
		c.providers[pkg.Name] = p
		c.ports[pkg.Name] = lis.Addr().(*net.TCPAddr).Port
		c.servers = append(c.servers, srv)
	}
	return c, nil
}

// DebugProviders is the PULUMI_DEBUG_PROVIDERS value that makes the engine
// attach to these servers instead of launching (or downloading) plugins.
func (c *Cloud) DebugProviders() string {
	parts := make([]string, 0, len(Packages))
	for _, pkg := range Packages {
		parts = append(parts, fmt.Sprintf("%s:%d", pkg.Name, c.ports[pkg.Name]))
	}
	return strings.Join(parts, ",")
}

// Rebuild makes the next check of every docker image built from dockerfile
// see a changed build context, as editing a file in it would: the image is
// rebuilt and pushed with a new digest.
func (c *Cloud) Rebuild(dockerfile string) {
	c.providers["docker"].rebuild(dockerfile)
}

// Deleted returns the URNs every fake provider was asked to delete.
func (c *Cloud) Deleted() []string {
	var out []string
	for _, pkg := range Packages {
		p := c.providers[pkg.Name]
		p.mu.Lock()
		out = append(out, p.deleted...)
		p.mu.Unlock()
	}
	return out
}

// Stop ends the servers.
func (c *Cloud) Stop() {
	for _, s := range c.servers {
		s.Stop()
	}
}
