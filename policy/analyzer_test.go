package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// The pack as the Pulumi CLI runs it: the Go language host builds this
// directory with `go build` (resolving the repository's go.mod) and talks to
// the binary over the Analyzer gRPC protocol. This test does the same, in
// place of the CLI, which is not installed here.
func TestPackServesTheAnalyzerProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the pack binary")
	}
	bin := filepath.Join(t.TempDir(), "pack")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build in the pack directory: %v\n%s", err, out)
	}
	client := startPack(t, bin)
	ctx := t.Context()

	dir, _ := os.Getwd()
	if _, err := client.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{RootDirectory: &dir, ProgramDirectory: &dir}); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if _, err := client.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{
		Stack: "prod", Project: "gpu-orchestration", DryRun: true,
		Config: map[string]string{"gpu-orchestration:batchSpot": "true", "gpu-orchestration:networkIsolation": "true"},
	}); err != nil {
		t.Fatalf("configure stack: %v", err)
	}
	info, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatalf("analyzer info: %v", err)
	}
	if info.GetName() != "gpu-orchestration" || len(info.GetPolicies()) < 15 {
		t.Fatalf("pack %q with %d policies", info.GetName(), len(info.GetPolicies()))
	}

	account := resource.PropertyMap{
		"enableHttpsTrafficOnly": resource.NewProperty(true),
		"minimumTlsVersion":      resource.NewProperty("TLS1_2"),
		"allowBlobPublicAccess":  resource.NewProperty(false),
		"allowSharedKeyAccess":   resource.NewProperty(true), // the mistake
		"publicNetworkAccess":    resource.NewProperty("Disabled"),
		"tags": resource.NewProperty(resource.NewPropertyMapFromMap(map[string]any{
			"project": "gpu-orchestration", "stack": "prod", "managed-by": "pulumi",
		})),
	}
	resp, err := client.Analyze(ctx, analyzeRequest(t, account))
	if err != nil {
		t.Fatalf("analyze: %v", err)
	}
	var found bool
	for _, d := range resp.GetDiagnostics() {
		if d.GetPolicyName() == "storage-shared-key-off" && d.GetEnforcementLevel() == pulumirpc.EnforcementLevel_MANDATORY &&
			strings.Contains(d.GetMessage(), "set allowSharedKeyAccess to false") {
			found = true
		} else {
			t.Errorf("unexpected diagnostic %s: %s", d.GetPolicyName(), d.GetMessage())
		}
	}
	if !found {
		t.Errorf("shared key access not reported: %v", resp.GetDiagnostics())
	}

	// In a preview, a value computed from another resource arrives unknown.
	account["allowSharedKeyAccess"] = resource.MakeComputed(resource.NewProperty(""))
	resp, err = client.Analyze(ctx, analyzeRequest(t, account))
	if err != nil {
		t.Fatalf("analyze with an unknown input: %v", err)
	}
	if n := len(resp.GetDiagnostics()); n != 0 {
		t.Errorf("an unknown input was judged: %v", resp.GetDiagnostics())
	}

	// The stack's networkIsolation, as the engine configured it, makes the
	// network rules mandatory.
	account["publicNetworkAccess"] = resource.NewProperty("Enabled")
	resp, err = client.Analyze(ctx, analyzeRequest(t, account))
	if err != nil {
		t.Fatalf("analyze a public account: %v", err)
	}
	if d := resp.GetDiagnostics(); len(d) != 1 || d[0].GetPolicyName() != "network-public-access-off" ||
		d[0].GetEnforcementLevel() != pulumirpc.EnforcementLevel_MANDATORY {
		t.Errorf("public account in an isolated stack: %v", d)
	}
}

func analyzeRequest(t *testing.T, props resource.PropertyMap) *pulumirpc.AnalyzeRequest {
	t.Helper()
	s, err := plugin.MarshalProperties(props, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	return &pulumirpc.AnalyzeRequest{
		Type: "azure-native:storage:StorageAccount", Name: "gpuorch-st",
		Urn:        "urn:pulumi:prod::gpu-orchestration::gpu-orchestration:storage:Storage$azure-native:storage:StorageAccount::gpuorch-st",
		Properties: (*structpb.Struct)(s),
	}
}

// startPack runs the binary, reads the port it prints, and stops it when the
// test ends.
func startPack(t *testing.T, bin string) pulumirpc.AnalyzerClient {
	t.Helper()
	cmd := exec.Command(bin)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the pack: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ports := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ports <- strings.TrimSpace(line)
	}()
	var port string
	select {
	case port = <-ports:
	case <-time.After(30 * time.Second):
		t.Fatal("the pack printed no port")
	}
	conn, err := grpc.NewClient("127.0.0.1:"+port, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return pulumirpc.NewAnalyzerClient(conn)
}
