package http_test

import (
	"os"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// The API document must name every error code and reason users can see.
func TestOpenAPIDocumentsEveryCodeAndReason(t *testing.T) {
	doc, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	names := append([]string(nil), router.ErrorCodes...)
	for _, r := range router.Reasons {
		names = append(names, string(r))
	}
	for _, n := range names {
		found := false
		for _, form := range []string{"[" + n + ",", " " + n + ",", " " + n + "]"} {
			found = found || strings.Contains(string(doc), form)
		}
		if !found {
			t.Errorf("api/openapi.yaml does not list %q", n)
		}
	}
}
