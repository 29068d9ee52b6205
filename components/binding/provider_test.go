package binding

import (
	"os"
	"regexp"
	"testing"
)

var sdkRequire = regexp.MustCompile(`(?m)^\s*(github\.com/pulumi/pulumi-azure-native-sdk/\S+)\s+(v\S+)`)

// The SDK modules the stack builds with (go.mod) and the version the bindings
// register are one version: a bump of one without the other fails here.
func TestVersionIsTheSDKModules(t *testing.T) {
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	reqs := sdkRequire.FindAllStringSubmatch(string(b), -1)
	if len(reqs) == 0 {
		t.Fatal("go.mod requires no azure-native SDK module")
	}
	for _, m := range reqs {
		if m[2] != "v"+AzureNativeVersion {
			t.Errorf("go.mod: %s %s; the bindings register %s", m[1], m[2], AzureNativeVersion)
		}
	}
}
