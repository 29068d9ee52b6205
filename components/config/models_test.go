package config

import (
	"reflect"
	"strings"
	"testing"
)

// twoModels is a fleet on two GPU types: a chat model on A100 with an alias
// and a fallback, and a small model on T4 that leaves most fields to the
// single-model keys.
const twoModels = `[
 {"name":"chat-1","aliases":["chat"],"gpuType":"A100","maxReplicas":6,"coldStartSeconds":120,"maxBatchNodes":5,"fallbacks":["small"]},
 {"name":"small-1","aliases":["small"],"gpuType":"t4","image":"cr.example.io/small@sha256:00","api":"openai"}
]`

func fleet(set map[string]string) map[string]string {
	raw := validRaw()
	raw["location"] = "swedencentral"
	raw["models"] = twoModels
	for k, v := range set {
		raw[k] = v
	}
	return raw
}

func TestTwoModelsOnTwoGPUTypesValidate(t *testing.T) {
	c, err := Parse("prod", fleet(map[string]string{"inferenceMaxReplicas": "3", "batchMaxNodes": "2", "gpuMemoryLimit": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Models) != 2 {
		t.Fatalf("%d models", len(c.Models))
	}
	chat, small := c.Models[0], c.Models[1]
	if chat.Name != "chat-1" || chat.Key != "chat-1" || chat.GPU != GPUA100 || chat.App.MaxReplicas != 6 || chat.ColdStartSeconds != 120 ||
		chat.Version != "chat-1" || chat.GPUMemoryLimit != "80Gi" || chat.App.Image != "" || !reflect.DeepEqual(chat.Fallbacks, []string{"small"}) {
		t.Errorf("chat-1 %+v: want its own fields and the A100's memory", chat)
	}
	// What small-1 leaves out comes from the single-model keys.
	if small.GPU != GPUT4 || small.App.MaxReplicas != 3 || small.MaxBatchNodes != 2 || small.App.Concurrency != 8 || small.App.Port != 8000 ||
		small.App.API != "openai" || small.GPUMemoryLimit != "16Gi" || small.Version != "small-1" || small.App.BatchCommand != "/usr/local/bin/refmodel batch" {
		t.Errorf("small-1 %+v: want T4 with the stack's defaults", small)
	}
	pools := c.Pools()
	want := []Pool{
		{GPU: GPUA100, VMSize: "Standard_NC24ads_A100_v4", MaxNodes: 5, Spot: true, Models: []string{"chat-1"}},
		{GPU: GPUT4, VMSize: "Standard_NC4as_T4_v3", MaxNodes: 2, Spot: true, Models: []string{"small-1"}},
	}
	if !reflect.DeepEqual(pools, want) {
		t.Errorf("pools %+v, want %+v", pools, want)
	}
}

// Models on one GPU share its pool, sized for all their micro-batches at
// once; batchVmSize sizes the pool of the GPU it carries.
func TestModelsOfOneGPUShareItsPool(t *testing.T) {
	c, err := Parse("dev", fleet(map[string]string{
		"location": "westus3", "batchVmSize": "Standard_NC8as_T4_v3",
		"models": `[{"name":"a","gpuType":"T4","maxBatchNodes":3},{"name":"b","gpuType":"A100"},{"name":"c","gpuType":"T4","maxBatchNodes":4}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	pools := c.Pools()
	if len(pools) != 2 || pools[0].GPU != GPUT4 || pools[0].MaxNodes != 7 || pools[0].VMSize != "Standard_NC8as_T4_v3" ||
		!reflect.DeepEqual(pools[0].Models, []string{"a", "c"}) || pools[1].GPU != GPUA100 || pools[1].VMSize != "Standard_NC24ads_A100_v4" {
		t.Errorf("pools %+v: want the T4 pool (NC8as, 3+4 nodes, a and c) first, then the A100 pool", pools)
	}
}

func TestModelErrorsNameTheKeyAndTheModel(t *testing.T) {
	cases := []struct {
		name, models string
		set          map[string]string
		key, mention string
	}{
		{"unknown GPU type", `[{"name":"a","gpuType":"A100"},{"name":"b","gpuType":"V100"}]`, nil,
			`models[1].gpuType: "V100" is not allowed for model "b" (models[1])`, "allowed: T4, A100"},
		{"no GPU type", `[{"name":"a"}]`, nil, "models[0].gpuType", "allowed: T4, A100"},
		{"no name", `[{"gpuType":"T4"}]`, nil, "models[0].name", "the id clients send"},
		{"a name that cannot travel in a header", `[{"name":"a\nb","gpuType":"T4"}]`, nil, "models[0].name", "printable"},
		// The one model of the single-model keys takes its key from modelVersion.
		{"single model without a key", `[]`, map[string]string{"modelVersion": "日本"}, "modelVersion", "the name gives no key"},
		{"region without the model's GPU", `[{"name":"a","gpuType":"T4"},{"name":"b","gpuType":"A100"}]`, map[string]string{"location": "westeurope"},
			`models[1].gpuType: "A100" is not allowed for model "b"`, "location westeurope has no serverless A100"},
		{"duplicate name", `[{"name":"a","gpuType":"T4"},{"name":"a","gpuType":"T4","key":"a2"}]`, nil, "models[1].name", `also names "a" (models[0])`},
		{"alias naming another model", `[{"name":"a","gpuType":"T4"},{"name":"b","aliases":["a"],"gpuType":"T4"}]`, nil, "models[1].aliases", "must be unique"},
		{"keys that collide", `[{"name":"Chat 1","gpuType":"T4"},{"name":"chat-1","gpuType":"T4"}]`, nil, "models[1].key", "set key on one of them"},
		{"unknown fallback", `[{"name":"a","gpuType":"T4","fallbacks":["z"]}]`, nil, `models[0].fallbacks: "z"`, "names or aliases of the other models"},
		{"own fallback", `[{"name":"a","aliases":["x"],"gpuType":"T4","fallbacks":["x"]}]`, nil, "models[0].fallbacks", "its own fallback"},
		{"fallback by default without fallbacks", `[{"name":"a","gpuType":"T4","fallbackByDefault":true}]`, nil, "models[0].fallbackByDefault", "needs fallbacks"},
		{"reserved key", `[{"name":"a","gpuType":"T4"},{"name":"router","gpuType":"T4"}]`, nil, "models[1].key", "other than router"},
		{"bad key", `[{"name":"a","key":"A--b","gpuType":"T4"}]`, nil, "models[0].key", "lower-case letters"},
		{"unknown field", `[{"name":"a","gpuType":"T4","replicas":3}]`, nil, "models[0].replicas", "allowed: name, aliases, key, gpuType"},
		{"field of the wrong type", `[{"name":"a","gpuType":"T4","maxReplicas":"many"}]`, nil, "models[0].maxReplicas", "whole number"},
		{"min above max", `[{"name":"a","gpuType":"T4","minReplicas":3,"maxReplicas":2}]`, nil, "models[0].minReplicas", "at most models[0].maxReplicas (2)"},
		{"memory above the model's GPU", `[{"name":"a","gpuType":"T4","gpuMemoryLimit":"40Gi"}]`, nil, "models[0].gpuMemoryLimit", "1Gi to 16Gi"},
		// A default that does not fit a model names the key it came from.
		{"default memory above a T4", `[{"name":"a","gpuType":"A100"},{"name":"b","gpuType":"T4"}]`, map[string]string{"gpuMemoryLimit": "40Gi"},
			`gpuMemoryLimit: "40Gi" is not allowed for model "b" (models[1])`, "1Gi to 16Gi"},
		{"gpuType beside models", `[{"name":"a","gpuType":"T4"}]`, map[string]string{"gpuType": "A100"}, "gpuType", "not with models"},
		{"modelVersion beside models", `[{"name":"a","gpuType":"T4"}]`, map[string]string{"modelVersion": "v2"}, "modelVersion", "not with models"},
		{"pool size without a model's GPU", `[{"name":"a","gpuType":"T4"}]`, map[string]string{"batchVmSize": "Standard_NC24ads_A100_v4"}, "batchVmSize", "which no model runs on"},
		{"isolated pools larger than their subnet", `[{"name":"a","gpuType":"T4","maxBatchNodes":200},{"name":"b","gpuType":"A100","maxBatchNodes":60}]`,
			map[string]string{"networkIsolation": "true"}, "models", "at most 251"},
		{"not a list of objects", `{"name":"a"}`, nil, "models", "a list of models"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("prod", fleet(mergeSet(tc.set, "models", tc.models)))
			if err == nil {
				t.Fatalf("Parse accepted models %s", tc.models)
			}
			msg := err.Error()
			if !strings.Contains(msg, Namespace+":"+tc.key) {
				t.Errorf("message does not name %s:\n%s", tc.key, msg)
			}
			if !strings.Contains(msg, tc.mention) {
				t.Errorf("message does not say %q:\n%s", tc.mention, msg)
			}
		})
	}
}

func mergeSet(set map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range set {
		out[a] = b
	}
	return out
}

func TestKeyOfNames(t *testing.T) {
	for name, want := range map[string]string{
		"reference-1": "reference-1", "Chat 1": "chat-1", "meta-llama/Llama-3.1-8B-Instruct": "meta-llama-l",
		"gpt-4o": "gpt-4o", "--x--": "x", "日本": "",
	} {
		if got := KeyOf(name); got != want {
			t.Errorf("KeyOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// The default model's resources are named "inference", whatever its key: a
// single-model stack may keep a modelVersion that names a workload.
func TestDefaultModelMayHaveAWorkloadsName(t *testing.T) {
	raw := validRaw()
	raw["modelVersion"] = "router"
	if _, err := Parse("dev", raw); err != nil {
		t.Fatal(err)
	}
}
