package rulesdoc

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/azure-rules.md from the tables")

const docPath = "../../../docs/azure-rules.md"

// The committed document is what the tables say: a rule added to a table
// without regenerating the document fails here.
func TestAzureRulesDocumentIsCurrent(t *testing.T) {
	want := Render()
	if *update {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s differs from the tables; run go test ./internal/offline/rulesdoc -update", docPath)
	}
}
