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
	if *task.ID != "b-1" || *task.CommandLine != "/usr/local/bin/refmodel batch" || *task.ContainerSettings.ImageName != "acr.azurecr.io/model:1" {
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
