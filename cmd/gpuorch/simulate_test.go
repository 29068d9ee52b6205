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
