package batchapi

import (
	"os"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The API document must list every line and batch error code, batch
// endpoint and Batch API path.
func TestOpenAPIDocumentsLineCodesAndEndpoints(t *testing.T) {
	doc, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range append(append(append([]string{}, LineErrorCodes...), BatchErrorCodes...), router.OpenAIEndpoints...) {
		found := false
		for _, form := range []string{"[" + n + ",", " " + n + ",", " " + n + "]"} {
			found = found || strings.Contains(string(doc), form)
		}
		if !found {
			t.Errorf("api/openapi.yaml does not list %q", n)
		}
	}
	for _, p := range []string{"/v1/chat/completions:", "/v1/completions:", "/v1/embeddings:", "/v1/models:", "/v1/files:",
		"/v1/files/{file_id}:", "/v1/files/{file_id}/content:", "/v1/batches:", "/v1/batches/{batch_id}:", "/v1/batches/{batch_id}/cancel:"} {
		if !strings.Contains(string(doc), "\n  "+p) {
			t.Errorf("api/openapi.yaml has no path %s", p)
		}
	}
}
