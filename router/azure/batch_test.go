package azure_test

import (
	"context"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/azure"
)

type noCredential struct{}

func (noCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, nil
}

func TestBatchTaskUsesPoolIdentityForFiles(t *testing.T) {
	st, err := azure.NewStorage(azure.StorageConfig{
		QueueEndpoint: "https://acct.queue.core.windows.net/", BlobEndpoint: "https://acct.blob.core.windows.net/",
		Credential: noCredential{}, WorkQueue: "inference-work", PoisonQueue: "inference-poison",
		RequestContainer: "requests", ResultContainer: "results",
	})
	if err != nil {
		t.Fatal(err)
	}
	const ident = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pool"
	b, err := azure.NewBatch(azure.BatchConfig{
		Endpoint: "https://acct.eastus.batch.azure.com", Credential: noCredential{}, PoolID: "gpu", JobID: "router-jobs",
		Image: "acr.azurecr.io/model:1", Command: "/usr/local/bin/refmodel batch", NodeIdentity: ident, Blobs: st.Blobs,
	})
	if err != nil {
		t.Fatal(err)
	}
	task := b.Task(router.Run{ID: "b-1", InputContainer: "requests", InputBlob: "batches/b-1/input.jsonl",
		OutputContainer: "results", OutputBlob: "batches/b-1/output.jsonl", Env: map[string]string{"MODEL_VERSION": "m1"}})
	if *task.ID != "b-1" || *task.ContainerSettings.ImageName != "acr.azurecr.io/model:1" {
		t.Fatalf("task %+v", task)
	}
	in := task.ResourceFiles[0]
	if *in.HTTPURL != "https://acct.blob.core.windows.net/requests/batches/b-1/input.jsonl" || *in.IdentityReference.ResourceID != ident {
		t.Fatalf("input file %s via %v", *in.HTTPURL, in.IdentityReference)
	}
	out := task.OutputFiles[0].Destination.Container
	if !strings.HasSuffix(*out.ContainerURL, "/results") || *out.Path != "batches/b-1/output.jsonl" || *out.IdentityReference.ResourceID != ident {
		t.Fatalf("output to %s/%s", *out.ContainerURL, *out.Path)
	}
	if *task.OutputFiles[0].UploadOptions.UploadCondition != azbatch.OutputFileUploadConditionTaskSuccess {
		t.Fatal("a failed run would upload a partial output")
	}
	env := map[string]string{}
	for _, e := range task.EnvironmentSettings {
		env[*e.Name] = *e.Value
	}
	if env["BATCH_INPUT_PATH"] == "" || env["BATCH_OUTPUT_PATH"] == "" || env["MODEL_VERSION"] != "m1" {
		t.Fatalf("environment %v", env)
	}
}

// containerArgv is what `docker create [options] <image> [command line]` runs
// (Batch creates task containers so): --entrypoint replaces the image's
// ENTRYPOINT, and the command line follows it as arguments.
func containerArgv(imageEntrypoint []string, runOptions, commandLine string) []string {
	entry := imageEntrypoint
	opts := strings.Fields(runOptions)
	for i := 0; i < len(opts); i++ {
		if opts[i] == "--entrypoint" && i+1 < len(opts) {
			entry = []string{opts[i+1]}
			i++
		}
	}
	return append(append([]string(nil), entry...), strings.Fields(commandLine)...)
}

// The reference model's image has ENTRYPOINT ["/usr/local/bin/refmodel"]
// (refmodel/Dockerfile) and the stack's batch command is
// "/usr/local/bin/refmodel batch": the task must run exactly that, not the
// command appended to the entrypoint; an image without ENTRYPOINT too.
func TestBatchTaskRunsTheCommandWhateverTheEntrypoint(t *testing.T) {
	st, err := azure.NewStorage(azure.StorageConfig{
		QueueEndpoint: "https://acct.queue.core.windows.net/", BlobEndpoint: "https://acct.blob.core.windows.net/",
		Credential: noCredential{}, WorkQueue: "w", PoisonQueue: "p", RequestContainer: "requests", ResultContainer: "results",
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := azure.NewBatch(azure.BatchConfig{
		Endpoint: "https://acct.eastus.batch.azure.com", Credential: noCredential{}, PoolID: "gpu", JobID: "j",
		Image: "acr.azurecr.io/refmodel@sha256:0", Command: "/usr/local/bin/refmodel batch", NodeIdentity: "id", Blobs: st.Blobs,
	})
	if err != nil {
		t.Fatal(err)
	}
	task := b.Task(router.Run{ID: "b-1", InputContainer: "requests", InputBlob: "in", OutputContainer: "results", OutputBlob: "out"})
	opts := ""
	if task.ContainerSettings.ContainerRunOptions != nil {
		opts = *task.ContainerSettings.ContainerRunOptions
	}
	want := "/usr/local/bin/refmodel batch"
	for _, entry := range [][]string{{"/usr/local/bin/refmodel"}, nil} {
		if got := strings.Join(containerArgv(entry, opts, *task.CommandLine), " "); got != want {
			t.Errorf("image ENTRYPOINT %q: the container runs %q, want %q", entry, got, want)
		}
	}
	if _, err := azure.NewBatch(azure.BatchConfig{Endpoint: "https://a.b", Credential: noCredential{}, Command: "  "}); err == nil {
		t.Error("an empty batch command was accepted")
	}
}
