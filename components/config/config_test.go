package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/gpus"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

// validRaw is a complete valid configuration on top of the defaults.
func validRaw() map[string]string {
	return map[string]string{"alertEmails": `["ops@example.com"]`}
}

func TestDefaultsWithOneEmailAreValid(t *testing.T) {
	c, err := Parse("dev", validRaw())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Models) != 1 || c.Models[0].GPU != GPUT4 || c.Location != "westus3" || !c.Batch.Spot {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if pools := c.Pools(); len(pools) != 1 || pools[0].VMSize != "Standard_NC4as_T4_v3" || pools[0].MaxNodes != 2 {
		t.Fatalf("pools %+v, want one T4 pool of Standard_NC4as_T4_v3 with 2 nodes", pools)
	}
	if m := c.Models[0]; m.Name != "reference-1" || m.Version != "reference-1" || m.Key != "reference-1" || m.GPUMemoryLimit != "16Gi" {
		t.Fatalf("the single model %+v: want reference-1 (name, version, key) with the T4's 16Gi", m)
	}
}

func TestInvalidConfigurationsNameTheKey(t *testing.T) {
	cases := []struct {
		name    string
		set     map[string]string
		key     string // the key the message must name
		mention string // and a fragment saying what is allowed
	}{
		{"unknown GPU type", map[string]string{"gpuType": "V100"}, "gpuType", "allowed: T4, A100"},
		{"region without the GPU", map[string]string{"gpuType": "A100", "location": "westeurope"}, "location", "A100 GPUs are documented only in"},
		{"region without any serverless GPU", map[string]string{"location": "northeurope"}, "location", "T4 GPUs are documented only in"},
		{"retired NCv3 size", map[string]string{"batchVmSize": "Standard_NC6s_v3"}, "batchVmSize", "retired on 30 September 2025"},
		{"non-GPU Batch size", map[string]string{"batchVmSize": "Standard_D4s_v5"}, "batchVmSize", "no NVIDIA T4 or A100 GPU"},
		{"min above max replicas", map[string]string{"inferenceMinReplicas": "3", "inferenceMaxReplicas": "2"}, "inferenceMinReplicas", "at most inferenceMaxReplicas (2)"},
		{"zero realtime threshold", map[string]string{"realtimeThresholdMs": "0"}, "realtimeThresholdMs", "above 0"},
		{"negative cost threshold", map[string]string{"batchCostThreshold": "-0.5"}, "batchCostThreshold", "above 0"},
		{"zero budget", map[string]string{"monthlyBudget": "0"}, "monthlyBudget", "above 0"},
		{"zero batch nodes", map[string]string{"batchMaxNodes": "0"}, "batchMaxNodes", "1 to 1000"},
		{"malformed e-mail", map[string]string{"alertEmails": `["ops@example.com", "not-an-address"]`}, "alertEmails", `"not-an-address"`},
		{"no e-mail at all", map[string]string{"alertEmails": `[]`}, "alertEmails", "at least one"},
		{"retention below Log Analytics minimum", map[string]string{"logRetentionDays": "7"}, "logRetentionDays", "30 to 730"},
		{"retention above Log Analytics maximum", map[string]string{"logRetentionDays": "1000"}, "logRetentionDays", "30 to 730"},
		{"soft delete too short", map[string]string{"keyVaultSoftDeleteDays": "3"}, "keyVaultSoftDeleteDays", "7 to 90"},
		{"integer key given text", map[string]string{"batchMaxNodes": "many"}, "batchMaxNodes", "whole number"},
		{"boolean key given text", map[string]string{"batchSpot": "sometimes"}, "batchSpot", "true or false"},
		{"GPU memory above the GPU's", map[string]string{"gpuMemoryLimit": "40Gi"}, "gpuMemoryLimit", "1Gi to 16Gi"},
		{"budget start not first of month", map[string]string{"budgetStartDate": "2026-12-15"}, "budgetStartDate", "YYYY-MM-01"},
		{"relative inference path", map[string]string{"inferencePath": "infer"}, "inferencePath", "starting with"},
		{"unknown inference api", map[string]string{"inferenceApi": "tgi"}, "inferenceApi", "reference (the reference model's batch lines) or openai"},
		{"unknown key", map[string]string{"gpuTyp": "T4"}, "gpuTyp", "unknown config key"},
		{"network not a CIDR", map[string]string{"networkAddressSpace": "10.60.0.0"}, "networkAddressSpace", "CIDR notation"},
		{"network too small for the subnets", map[string]string{"networkAddressSpace": "10.60.0.0/24"}, "networkAddressSpace", "/16 to /22"},
		{"network not at its network address", map[string]string{"networkAddressSpace": "10.60.1.0/22"}, "networkAddressSpace", "10.60.0.0/22"},
		{"network on a range Container Apps reserves", map[string]string{"networkAddressSpace": "172.30.0.0/22"}, "networkAddressSpace", "172.30.0.0/16"},
		{"isolated pool larger than its subnet", map[string]string{"networkIsolation": "true", "batchMaxNodes": "300"}, "batchMaxNodes", "at most 251"},
		{"network isolation given text", map[string]string{"networkIsolation": "yes"}, "networkIsolation", "true or false"},
		{"isolated region without a known service tag name", map[string]string{"networkIsolation": "true", "gpuRegionCheck": "off", "location": "marscentral"}, "location", "BatchNodeManagement.<Region>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := validRaw()
			for k, v := range tc.set {
				raw[k] = v
			}
			_, err := Parse("dev", raw)
			if err == nil {
				t.Fatalf("Parse accepted %v", tc.set)
			}
			msg := err.Error()
			if !strings.Contains(msg, Namespace+":"+tc.key+":") {
				t.Errorf("message does not name key %s:\n%s", tc.key, msg)
			}
			if !strings.Contains(msg, tc.mention) {
				t.Errorf("message does not say %q:\n%s", tc.mention, msg)
			}
		})
	}
}

func TestEveryErrorIsReportedAtOnce(t *testing.T) {
	_, err := Parse("dev", map[string]string{"gpuType": "K80", "monthlyBudget": "-1", "alertEmails": `["x"]`})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, key := range []string{"gpuType", "monthlyBudget", "alertEmails"} {
		if !strings.Contains(err.Error(), Namespace+":"+key+":") {
			t.Errorf("missing %s in:\n%s", key, err)
		}
	}
}

func TestRegionCheckOffAcceptsUndocumentedRegion(t *testing.T) {
	raw := validRaw()
	raw["location"] = "East US"
	raw["gpuRegionCheck"] = "off"
	c, err := Parse("dev", raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.Location != "eastus" {
		t.Fatalf("location = %q, want normalized eastus", c.Location)
	}
}

// Pulumi.yaml must declare exactly the schema's keys, types and defaults, so
// `pulumi config` shows what the program reads.
func TestPulumiYamlDeclaresTheSchema(t *testing.T) {
	declared, err := mockstack.ProjectKeys("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(declared) != len(Keys) {
		t.Errorf("Pulumi.yaml declares %d keys, the schema has %d", len(declared), len(Keys))
	}
	for _, k := range Keys {
		d, ok := declared[k.Name]
		if !ok {
			t.Errorf("Pulumi.yaml lacks %s", k.Name)
			continue
		}
		if d.Type != k.Type || d.Description != k.Description {
			t.Errorf("%s: Pulumi.yaml type %q description %q; schema %q %q", k.Name, d.Type, d.Description, k.Type, k.Description)
		}
		if !reflect.DeepEqual(normalize(d.Default), normalize(k.Default)) {
			t.Errorf("%s: Pulumi.yaml default %#v, schema %#v", k.Name, d.Default, k.Default)
		}
	}
}

func normalize(v any) any {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return "[]"
		}
	case map[string]any:
		if len(x) == 0 {
			return "{}"
		}
	}
	return v
}

// The README's configuration table documents every key.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys {
		if !strings.Contains(string(readme), "| `"+k.Name+"` | "+k.Type+" |") {
			t.Errorf("README.md's configuration table lacks %s (%s)", k.Name, k.Type)
		}
	}
}

// Regional service tags spell the region as its display name without
// spaces; every region a GPU is documented in has one, so a strict stack
// can always turn isolation on; without isolation any region passes.
func TestServiceTagRegions(t *testing.T) {
	for location, want := range map[string]string{
		"swedencentral": "SwedenCentral", "westus3": "WestUS3", "southeastasia": "SoutheastAsia",
		"uaenorth": "UAENorth", "australiacentral2": "AustraliaCentral2", "westcentralus": "WestCentralUS",
	} {
		if got, ok := ServiceTagRegion(location); !ok || got != want {
			t.Errorf("ServiceTagRegion(%q) = %q, %v; want %q", location, got, ok, want)
		}
	}
	for _, p := range gpus.Profiles {
		gpu := p.GPU
		for _, r := range p.Regions {
			if _, ok := ServiceTagRegion(r); !ok {
				t.Errorf("%s region %s has no service tag name", gpu, r)
			}
		}
	}
	raw := validRaw()
	raw["location"], raw["gpuRegionCheck"] = "marscentral", "off"
	if _, err := Parse("dev", raw); err != nil {
		t.Errorf("without isolation an unknown region is refused: %v", err)
	}
}
