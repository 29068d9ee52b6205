package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/internal/plan"
)

func previewJSON(t *testing.T, stack string) plan.Document {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"preview", "-stack", stack, "-root", "../..", "-json"}, &out, &errOut); code != 0 {
		t.Fatalf("preview %s exited %d: %s", stack, code, errOut.String())
	}
	var doc plan.Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("preview %s printed invalid JSON: %v", stack, err)
	}
	return doc
}

func TestPreviewJSONSchema(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		doc := previewJSON(t, stack)
		if doc.Stack != stack || doc.Project != "gpu-orchestration" {
			t.Errorf("stack %q project %q", doc.Stack, doc.Project)
		}
		if len(doc.Resources) < 10 {
			t.Fatalf("%s: only %d resources", stack, len(doc.Resources))
		}
		for _, r := range doc.Resources {
			if r.Type == "" || r.Name == "" || r.URN == "" || r.Inputs == nil {
				t.Errorf("%s: incomplete resource %+v", stack, r)
			}
			if r.Custom && strings.HasPrefix(r.Type, "azure-native:") && r.ProviderVersion != "2.90.0" {
				t.Errorf("%s: %s providerVersion %q", stack, r.Name, r.ProviderVersion)
			}
		}
		if doc.Outputs["workQueueName"] != "inference-work" {
			t.Errorf("%s: outputs %v", stack, doc.Outputs)
		}
	}
}

// Settings stored in Key Vault are secrets: the plan must mask them.
func TestPreviewMasksSecrets(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"preview", "-stack", "prod", "-root", "../..", "-json"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var doc plan.Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	masked := 0
	for _, r := range doc.Resources {
		if r.Type != "azure-native:keyvault:Secret" {
			continue
		}
		if v := r.Inputs["properties"].(map[string]any)["value"]; v != plan.Secret {
			t.Errorf("secret %s value shown as %v", r.Name, v)
		}
		masked++
	}
	if masked == 0 {
		t.Fatal("no Key Vault secrets in the plan")
	}
	// 1500 is prod's realtime-threshold-ms: it must not leak anywhere.
	if strings.Contains(out.String(), `"1500"`) {
		t.Error("a secret setting value appears in clear")
	}
}

func TestPreviewConfigErrorExitsOne(t *testing.T) {
	dir := t.TempDir()
	writeStackFiles(t, dir, "gpu-orchestration:gpuType: V100\n")
	var out, errOut bytes.Buffer
	code := dispatch([]string{"preview", "-stack", "bad", "-root", dir, "-json"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut.String(), "gpu-orchestration:gpuType") || out.Len() != 0 {
		t.Fatalf("stderr %q stdout %q", errOut.String(), out.String())
	}
}
