package config

import (
	"strings"
	"testing"
	"time"
)

const twoModels = `[
 {"name":"chat-1","key":"chat","aliases":["chat"],"fallbacks":["small-1"],"inference_url":"http://chat/infer","api":"openai",
  "min_replicas":1,"max_replicas":4,"cold_start_seconds":120,"realtime_price_per_second":0.0016,"max_batch_nodes":2},
 {"name":"small-1","key":"small","inference_url":"http://small/infer"}
]`

func TestModelsListsTheFleet(t *testing.T) {
	c, err := Load(func(k string) string {
		return map[string]string{EnvAPIKey: "k", EnvExecutor: ExecutorNone, EnvModels: twoModels, EnvMaxACAReplicas: "3"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Models) != 2 || c.Models[1].API != c.InferenceAPI || c.Models[1].BatchCommand != c.Batch.Command {
		t.Fatalf("models %+v: want two, the second with the router's format and command", c.Models)
	}
	chat := c.Models[0].Settings(c.Settings)
	small := c.Models[1].Settings(c.Settings)
	if chat.MinReplicas != 1 || chat.MaxACAReplicas != 4 || chat.ColdStart != 2*time.Minute || chat.RealtimePricePerSecond != 0.0016 || chat.MaxBatchNodes != 2 {
		t.Errorf("chat settings %+v: want its own figures", chat)
	}
	if small.MaxACAReplicas != 3 || small.ColdStart != c.Settings.ColdStart {
		t.Errorf("small settings %+v: want the router's", small)
	}
}

func TestModelsErrorsNameTheModelAndField(t *testing.T) {
	for _, c := range []struct{ models, want string }{
		{`[]`, "an empty list"},
		{`{"name":"x"}`, "not a JSON array"},
		{`[{"name":"","key":"a","inference_url":"http://a"}]`, "MODELS[0].name"},
		{`[{"name":"a","key":"A b","inference_url":"http://a"}]`, "MODELS[0].key"},
		{`[{"name":"a","key":"a","inference_url":"http://a"},{"name":"b","key":"b","aliases":["a"],"inference_url":"http://b"}]`, `"a" names both a and b`},
		{`[{"name":"a","key":"a","inference_url":"/rel"}]`, "MODELS[0].inference_url"},
		{`[{"name":"a","key":"a","inference_url":"http://a","api":"grpc"}]`, "MODELS[0].api"},
		{`[{"name":"a","key":"a","inference_url":"http://a","fallbacks":["z"]}]`, `MODELS[0].fallbacks: "z" is no model`},
		{`[{"name":"a","key":"a","inference_url":"http://a","fallbacks":["a"]}]`, "the model itself"},
		{`[{"name":"a","key":"a","inference_url":"http://a","min_replicas":3,"max_replicas":2}]`, "min_replicas 3 above max_replicas 2"},
	} {
		_, err := Load(func(k string) string {
			return map[string]string{EnvAPIKey: "k", EnvExecutor: ExecutorNone, EnvModels: c.models}[k]
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("MODELS=%s: %v, want an error with %q", c.models, err, c.want)
		}
	}
}

func TestRevisionsErrorsNameTheRevisionAndField(t *testing.T) {
	rev := func(revs, rollback string) string {
		return `[{"name":"a","key":"a","inference_url":"http://a","revisions":[` + revs + `]` + rollback + `}]`
	}
	ok := `{"name":"v1","inference_url":"http://a1","weight":90},{"name":"v2","inference_url":"http://a2","weight":10}`
	thresholds := `,"rollback":{"max_error_ratio":0.05,"latency_percentile":95,"max_latency_ratio":1.5,"min_requests":20,"window_seconds":300}`
	for _, c := range []struct{ models, want string }{
		{rev(ok, thresholds), ""},
		{rev(`{"name":"v1","inference_url":"http://a1","weight":90},{"name":"v2","inference_url":"http://a2","weight":20}`, ""), "weights sum to 110"},
		{rev(`{"name":"v1","inference_url":"http://a1","weight":50},{"name":"v1","inference_url":"http://a2","weight":50}`, ""), "MODELS[0].revisions[1].name"},
		{rev(`{"name":"v1","inference_url":"a1","weight":100}`, ""), "MODELS[0].revisions[0].inference_url"},
		{rev(ok, `,"rollback":{"max_error_ratio":0,"latency_percentile":95,"max_latency_ratio":1.5,"min_requests":20,"window_seconds":300}`), "rollback.max_error_ratio"},
		{rev(ok, `,"rollback":{"max_error_ratio":0.1,"latency_percentile":95,"max_latency_ratio":0.5,"min_requests":20,"window_seconds":300}`), "rollback.max_latency_ratio"},
		{`[{"name":"a","key":"a","inference_url":"http://a","rollback":{"max_error_ratio":0.1}}]`, "no canary revision"},
	} {
		_, err := Load(func(k string) string {
			return map[string]string{EnvAPIKey: "k", EnvExecutor: ExecutorNone, EnvModels: c.models}[k]
		})
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("MODELS=%s: %v, want %q", c.models, err, c.want)
		}
	}
}
