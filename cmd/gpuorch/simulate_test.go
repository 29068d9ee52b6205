package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimulateJSONCoversEveryPolicy(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runSimulate([]string{"-trace", "testdata/simulate_small.csv", "-json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Trace    string            `json:"trace"`
		Requests int               `json:"requests"`
		Rule     string            `json:"rule"`
		Params   []json.RawMessage `json:"params"`
		Policies []map[string]json.RawMessage
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("output is not one JSON object: %v", err)
	}
	if rep.Trace != "simulate_small.csv" || rep.Requests != 6 || !strings.Contains(rep.Rule, "interactive") || len(rep.Params) == 0 {
		t.Errorf("header fields: trace %q, requests %d, rule %q, %d params", rep.Trace, rep.Requests, rep.Rule, len(rep.Params))
	}
	var names []string
	for _, p := range rep.Policies {
		for _, k := range []string{"name", "cost_usd", "missed", "missed_by_class", "p50_s", "p99_s", "gpu_hours"} {
			if _, ok := p[k]; !ok {
				t.Errorf("policy %s lacks %q", p["name"], k)
			}
		}
		var n string
		_ = json.Unmarshal(p["name"], &n)
		names = append(names, n)
	}
	if got := strings.Join(names, ","); got != "production,openai-api,all-realtime,all-batch,recipe-threshold,lower-bound" {
		t.Errorf("policies %s", got)
	}
}

func TestSimulateOnePolicyTableAndPlot(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "p.svg")
	var out, errb bytes.Buffer
	if code := runSimulate([]string{"-trace", "testdata/simulate_small.csv", "-policy", "all-batch", "-plot", svg}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "all-batch") || strings.Contains(out.String(), "production") {
		t.Errorf("table should hold all-batch only:\n%s", out.String())
	}
	b, err := os.ReadFile(svg)
	if err != nil || !bytes.HasPrefix(b, []byte("<svg")) || !bytes.Contains(b, []byte("all-batch")) {
		t.Errorf("plot: %v, starts %q", err, b[:min(len(b), 20)])
	}
}

func TestSimulateUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage"},
		{[]string{"-trace", "testdata/simulate_small.csv", "-policy", "cheapest"}, 1, "unknown policy"},
		{[]string{"-trace", "testdata/simulate_small.csv", "-set", "batch-cost-threshold=lots"}, 2, "batch-cost-threshold"},
		{[]string{"-trace", "testdata/missing.csv"}, 1, "missing.csv"},
		{[]string{"-trace", "testdata/simulate_small.csv", "-rule", "generous"}, 2, "unknown rule"},
	} {
		var out, errb bytes.Buffer
		if code := runSimulate(tc.args, &out, &errb); code != tc.code || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d mentioning %q", tc.args, code, errb.String(), tc.code, tc.msg)
		}
	}
}

// -rule picks the derivation rule, and the report says which one its
// figures were derived under.
func TestSimulateRuleIsChosenAndStated(t *testing.T) {
	for _, rule := range []string{"slowdown", "uniform"} {
		var out, errb bytes.Buffer
		if code := runSimulate([]string{"-trace", "testdata/simulate_small.csv", "-rule", rule, "-json"}, &out, &errb); code != 0 {
			t.Fatalf("-rule %s: exit %d: %s", rule, code, errb.String())
		}
		var rep struct{ Rule string }
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil || !strings.HasPrefix(rep.Rule, rule+" rule") {
			t.Errorf("-rule %s: report rule %q, %v", rule, rep.Rule, err)
		}
	}
}

// Several -model flags replay several traces at once: the report names
// each model with its GPU, and every policy has each model's figures and
// the fleet's, in JSON and in the table.
func TestSimulateSeveralModels(t *testing.T) {
	args := []string{"-model", "chat=testdata/simulate_small.csv", "-model", "code=testdata/simulate_small.csv,gpu=a100", "-policy", "production"}
	var out, errb bytes.Buffer
	if code := runSimulate(append(args, "-json"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Requests int
		Models   []struct{ Name, GPU string }
		Policies []struct {
			Models []struct {
				Model   string
				CostUSD float64 `json:"cost_usd"`
			}
			CostUSD float64 `json:"cost_usd"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 12 || len(rep.Models) != 2 || rep.Models[1].Name != "code" || rep.Models[1].GPU != "A100" {
		t.Fatalf("%d requests, models %+v", rep.Requests, rep.Models)
	}
	p := rep.Policies[0]
	if len(p.Models) != 2 || p.Models[0].Model != "chat" || p.Models[0].CostUSD+p.Models[1].CostUSD-p.CostUSD > 0.001 {
		t.Errorf("policy figures %+v", p)
	}
	out.Reset()
	if code := runSimulate(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"model code: simulate_small.csv on A100", "production   chat", "production   code", "production  fleet"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// -routers and -canary show in the table: how the replicas shared their
// state, and the canary's rollback and what its model's users saw.
func TestSimulateRoutersAndCanary(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"-trace", "testdata/simulate_small.csv", "-policy", "production", "-routers", "3", "-fleet-sync", "0", "-canary", "weight=50,fail=0.5,min-requests=1,window=30s"}
	if code := runSimulate(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"routers: 3 replicas, requests spread round-robin, each alone", "canary of model, weight 50%", "at least 1 requests in 30s", "model's users before:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSimulateModelAndCanaryErrors(t *testing.T) {
	small := "testdata/simulate_small.csv"
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-trace", small, "-model", "a=" + small}, 2, "usage"},
		{[]string{"-model", "a"}, 2, "NAME=TRACE"},
		{[]string{"-model", "a=" + small + ",gpu=H100"}, 2, "unknown GPU"},
		{[]string{"-model", "a=testdata/missing.csv"}, 1, "missing.csv"},
		{[]string{"-model", "a=" + small, "-model", "a=" + small}, 1, "two models"},
		{[]string{"-trace", small, "-canary", "slower=2"}, 2, "weight is missing"},
		{[]string{"-trace", small, "-canary", "weight=10,colour=red"}, 2, "unknown key"},
		{[]string{"-trace", small, "-canary", "weight=ten"}, 2, "weight"},
		{[]string{"-model", "a=" + small, "-model", "b=" + small, "-canary", "weight=10"}, 2, "name its model"},
		{[]string{"-trace", small, "-canary", "model=chat,weight=10"}, 2, `no model "chat"`},
		{[]string{"-trace", small, "-canary", "weight=10", "-canary", "weight=20"}, 2, "one per model"},
		{[]string{"-trace", small, "-canary", "weight=10,fail=2"}, 1, "fail share"},
		{[]string{"-trace", small, "-canary", "weight=10,min-requests=0"}, 1, "min_requests"},
		{[]string{"-trace", small, "-spread", "sideways"}, 1, "spread"},
		{[]string{"-trace", small, "-routers", "0"}, 2, "usage"},
	} {
		var out, errb bytes.Buffer
		if code := runSimulate(tc.args, &out, &errb); code != tc.code || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d mentioning %q", tc.args, code, errb.String(), tc.code, tc.msg)
		}
	}
}

// Two -region flags replay two regions: the report describes each, and
// the production router is replayed with them isolated and with
// spill-over, each with the figures of every region, in JSON and in the
// table.
func TestSimulateRegions(t *testing.T) {
	small := "testdata/simulate_small.csv"
	args := []string{"-region", "swedencentral=" + small, "-region", "westus3=" + small + ",shift=30s,gpu=a100,max-replicas=2", "-rtt", "100ms", "-policy", "production"}
	var out, errb bytes.Buffer
	if code := runSimulate(append(args, "-json"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Requests    int
		RoundTripMs float64 `json:"round_trip_ms"`
		Regions     []struct {
			Region, GPU string
			ShiftS      float64 `json:"shift_s"`
			Params      []struct{ Name, Value string }
		}
		Policies []struct {
			Name      string
			Spillover bool
			Regions   []struct {
				Region string
				Spill  *struct {
					Offered *int `json:"offered_to_peers"`
				}
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 12 || rep.RoundTripMs != 100 || len(rep.Regions) != 2 || rep.Regions[1].Region != "westus3" || rep.Regions[1].GPU != "A100" || rep.Regions[1].ShiftS != 30 {
		t.Fatalf("%d requests, %g ms round trip, regions %+v", rep.Requests, rep.RoundTripMs, rep.Regions)
	}
	for _, p := range rep.Regions[1].Params {
		if p.Name == "max_replicas" && p.Value != "2" {
			t.Errorf("westus3's max_replicas %s, want its own 2", p.Value)
		}
	}
	if len(rep.Policies) != 2 || rep.Policies[0].Spillover || !rep.Policies[1].Spillover {
		t.Fatalf("policies %+v; want production isolated, then with spill-over", rep.Policies)
	}
	for _, p := range rep.Policies {
		if len(p.Regions) != 2 || p.Regions[0].Region != "swedencentral" || (p.Regions[0].Spill != nil) != p.Spillover {
			t.Errorf("%s, spill-over %v: regions %+v", p.Name, p.Spillover, p.Regions)
		}
	}
	out.Reset()
	if code := runSimulate(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"region westus3: simulate_small.csv on A100 from 30s", "100 ms between two regions", "off  swedencentral", "on          total", "production with spill-over: misses"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSimulateRegionErrors(t *testing.T) {
	small := "testdata/simulate_small.csv"
	two := []string{"-region", "a=" + small, "-region", "b=" + small}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-region", "a=" + small}, 2, "usage"},
		{append([]string{"-trace", small}, two...), 2, "usage"},
		{append([]string{"-canary", "weight=10"}, two...), 2, "usage"},
		{[]string{"-region", "a"}, 2, "NAME=TRACE"},
		{[]string{"-region", "a=" + small + ",shift=-1m"}, 2, "shift"},
		{[]string{"-region", "a=" + small + ",max-replicas=0"}, 2, "max-replicas"},
		{[]string{"-region", "a=" + small + ",colour=red"}, 2, "unknown option"},
		{[]string{"-region", "a=" + small, "-region", "a=" + small}, 1, "a name of its own"},
		{append([]string{"-rtt", "-1s"}, two...), 1, "round trip"},
	} {
		var out, errb bytes.Buffer
		if code := runSimulate(tc.args, &out, &errb); code != tc.code || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d mentioning %q", tc.args, code, errb.String(), tc.code, tc.msg)
		}
	}
}
