package sim

import (
	"math"
	"testing"
	"time"
)

// twoModels are a chat model on T4 with the first 300 requests of the
// conversation trace and a long-prompt model on A100 with five minutes of
// issue 30's traffic.
func twoModels(t *testing.T) []Model {
	t.Helper()
	a100, err := GPUByName("A100")
	if err != nil {
		t.Fatal(err)
	}
	sh := LongPromptShape()
	sh.Duration = 5 * time.Minute
	long, err := sh.Generate(1, t0)
	if err != nil {
		t.Fatal(err)
	}
	chat, lp := DefaultParams(), DefaultParams().OnGPU(a100)
	return []Model{
		{Name: "chat", Trace: "conv_head300.csv", Rows: fixtureRows(t), Params: chat, Settings: chat.StackSettings()},
		{Name: "long", Trace: "long", Rows: long, Params: lp, Settings: lp.StackSettings()},
	}
}

// A replay of two models reports each model and the fleet, whose figures
// are theirs added up; each model's batch work is billed at its own GPU's
// Spot price, and without the router (all-realtime) a model's figures are
// those of its trace alone: apps and pools are the model's own.
func TestTwoModelReplayReportsEachModelAndTheFleet(t *testing.T) {
	ms := twoModels(t)
	rep, err := Simulate(Config{Models: ms, Rule: SlowdownRule(1), Policies: []string{Production, AllRealtime}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Models) != 2 || rep.Models[0].GPU != "T4" || rep.Models[1].GPU != "A100" || rep.Models[0].Requests != len(ms[0].Rows) || rep.Models[1].Requests != len(ms[1].Rows) {
		t.Fatalf("models %+v", rep.Models)
	}
	if rep.Requests != len(ms[0].Rows)+len(ms[1].Rows) || rep.Params != nil {
		t.Errorf("requests %d, want both traces'; top-level params %v, want each model's in models", rep.Requests, rep.Params)
	}
	for _, p := range rep.Policies {
		if len(p.Models) != 2 || p.Models[0].Model != "chat" || p.Models[1].Model != "long" {
			t.Fatalf("%s: per-model figures %+v", p.Name, p.Models)
		}
		cost, missed, inter := 0.0, 0, 0
		for _, m := range p.Models {
			cost += m.CostUSD
			missed += m.Missed
			inter += m.MissedByClass["interactive"]
		}
		if math.Abs(cost-p.CostUSD) > 0.001 || missed != p.Missed || inter != p.MissedByClass["interactive"] {
			t.Errorf("%s: fleet $%v, %d missed (%d interactive); the models add up to $%v, %d (%d)", p.Name, p.CostUSD, p.Missed, p.MissedByClass["interactive"], cost, missed, inter)
		}
		if p.Name != Production {
			continue
		}
		for i, m := range p.Models {
			if m.GPUHours["batch"] == 0 || m.GPUHours["realtime"] == 0 {
				t.Fatalf("%s: GPU-hours %v; want both paths used", m.Model, m.GPUHours)
			}
			perNodeHour := m.CostByPath["batch"] / m.GPUHours["batch"]
			if want := ms[i].Params.NodePricePerSecond() * 3600; math.Abs(perNodeHour-want) > 0.01*want {
				t.Errorf("%s: batch billed $%.3f a node-hour, want its GPU's $%.3f", m.Model, perNodeHour, want)
			}
		}
	}
	// The first model draws the rule's own numbers, so alone it gets the
	// same requests.
	first, err := Simulate(Config{Models: ms[:1], Rule: SlowdownRule(1), Policies: []string{AllRealtime}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Policies[1].Models[0], first.Policies[0]; got.CostUSD != want.CostUSD || got.Missed != want.Missed {
		t.Errorf("chat under all-realtime beside another model: $%v, %d missed; alone $%v, %d", got.CostUSD, got.Missed, want.CostUSD, want.Missed)
	}
}

// Models' names must differ: they name the model in every figure.
func TestModelsNeedNamesOfTheirOwn(t *testing.T) {
	ms := twoModels(t)
	ms[1].Name = ms[0].Name
	if _, err := Simulate(Config{Models: ms, Rule: SlowdownRule(1)}); err == nil {
		t.Error("two models named alike were accepted")
	}
}
