package config

import (
	"math"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// /metrics needs the API key unless the operator opts out, and a value the
// router cannot read is an error naming the variable, not a silent default.
func TestMetricsPublicIsOptIn(t *testing.T) {
	base := map[string]string{"ROUTER_API_KEY": "k", "EXECUTOR": "none"}
	load := func(v string) (Config, error) {
		env := map[string]string{"METRICS_PUBLIC": v}
		for k, x := range base {
			env[k] = x
		}
		return Load(func(k string) string { return env[k] })
	}
	if c, err := load(""); err != nil || c.MetricsPublic {
		t.Fatalf("default: public %v, err %v; want protected", c.MetricsPublic, err)
	}
	if c, err := load("true"); err != nil || !c.MetricsPublic {
		t.Fatalf("METRICS_PUBLIC=true: public %v, err %v", c.MetricsPublic, err)
	}
	if _, err := load("sometimes"); err == nil || !strings.Contains(err.Error(), "METRICS_PUBLIC") {
		t.Fatalf("METRICS_PUBLIC=sometimes: err %v, want one naming the variable", err)
	}
}

// azureBatch is the least environment Load accepts with the default executor.
var azureBatch = map[string]string{
	EnvAPIKey: "k", EnvBatchAccountEndpoint: "https://ba.westus3.batch.azure.com",
	EnvBatchPoolID: "gpu-pool", EnvInferenceImage: "cr.azurecr.io/refmodel@sha256:0", EnvBatchNodeIdentity: "/id/pool",
}

func loadWith(t *testing.T, base map[string]string, name, value string) Config {
	t.Helper()
	c, err := Load(func(k string) string {
		if k == name {
			return value
		}
		return base[k]
	})
	if err != nil {
		t.Fatalf("%s=%q: %v", name, value, err)
	}
	return c
}

// docRow matches a row of router/README.md's environment table: the variable
// and the first back-quoted value of its default column, if any.
var docRow = regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\| ([^|]*)\\|")
var firstQuoted = regexp.MustCompile("`([^`]*)`")

// router/README.md lists every variable the router reads, and each documented
// default, set explicitly, gives the configuration an empty variable gives:
// the documentation cannot drift from Default.
func TestREADMEDocumentsEveryVariableAndItsDefault(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	want := loadWith(t, azureBatch, "", "")
	for _, m := range docRow.FindAllStringSubmatch(string(b), -1) {
		name := m[1]
		documented[name] = true
		def := firstQuoted.FindStringSubmatch(m[2])
		if def == nil {
			continue // no default ("—") or one that depends on another variable
		}
		got := loadWith(t, azureBatch, name, def[1])
		// Prices are shown rounded; the exact figure is 0.149/3600 and the like.
		if math.Abs(got.Settings.BatchPricePerSecond/want.Settings.BatchPricePerSecond-1) < 1e-6 {
			got.Settings.BatchPricePerSecond = want.Settings.BatchPricePerSecond
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("README: %s defaults to %q, but setting it changes the router's configuration", name, def[1])
		}
	}
	for _, n := range Names {
		if !documented[n] {
			t.Errorf("README: %s is not documented", n)
		}
		delete(documented, n)
	}
	for n := range documented {
		t.Errorf("README documents %s, which router/config does not declare", n)
	}
}

// An empty environment runs Default: Load has no default of its own.
func TestEmptyEnvironmentIsDefault(t *testing.T) {
	got := loadWith(t, azureBatch, "", "")
	want := Default()
	want.KeyHashes = got.KeyHashes
	want.Batch.Endpoint, want.Batch.PoolID = got.Batch.Endpoint, got.Batch.PoolID
	want.Batch.Image, want.Batch.NodeIdentity = got.Batch.Image, got.Batch.NodeIdentity
	want.Models = []Model{want.SingleModel()}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load of an empty environment:\n%+v\nDefault:\n%+v", got, want)
	}
}
