package main

import (
	"os"
	"path/filepath"
	"testing"
)

// writeStackFiles copies the project's Pulumi.yaml into dir and writes a
// Pulumi.bad.yaml whose config block holds the given lines plus one e-mail.
func writeStackFiles(t *testing.T, dir, configLines string) {
	t.Helper()
	project, err := os.ReadFile("../../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o644); err != nil {
		t.Fatal(err)
	}
	stack := "config:\n  gpu-orchestration:alertEmails: [\"ops@example.com\"]\n  " + configLines
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.bad.yaml"), []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
}
