package refmodel_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/refmodel"
)

func TestPredictIsDeterministicAndDiscriminates(t *testing.T) {
	a := refmodel.Predict(refmodel.Input{Text: "the service was wonderful"})
	if b := refmodel.Predict(refmodel.Input{Text: "the service was wonderful"}); a != b {
		t.Fatalf("same input, different output: %+v vs %+v", a, b)
	}
	if a.Model != refmodel.Version || a.Tokens != 4 || a.Score <= 0 || a.Score >= 1 {
		t.Fatalf("output %+v", a)
	}
	seen := map[float64]bool{}
	for _, s := range []string{"alpha", "beta gamma", "zzz qqq xxx", "hello world"} {
		seen[refmodel.Predict(refmodel.Input{Text: s}).Score] = true
	}
	if len(seen) < 3 {
		t.Fatalf("the model gives the same score to different texts: %v", seen)
	}
}

func TestBatchContract(t *testing.T) {
	in := `{"id":"a","body":{"text":"hello"}}` + "\n" + `{"id":"b","body":{"nope":1}}` + "\n\n" + `{"id":"c","body":{"text":"world"}}` + "\n"
	var out bytes.Buffer
	n, err := refmodel.RunBatch(strings.NewReader(in), &out)
	if err != nil || n != 3 {
		t.Fatalf("RunBatch = %d, %v", n, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []struct{ id, status string }{{"a", "ok"}, {"b", "bad_input"}, {"c", "ok"}}
	for i, l := range lines {
		var o struct{ ID, Status string }
		if err := json.Unmarshal([]byte(l), &o); err != nil || o.ID != want[i].id || o.Status != want[i].status {
			t.Fatalf("line %d: %s", i, l)
		}
	}
	if _, err := refmodel.RunBatch(strings.NewReader("not json\n"), &out); err == nil {
		t.Fatal("an unreadable input file was accepted")
	}
}

func TestRealtimeContractMatchesBatch(t *testing.T) {
	srv := httptest.NewServer(refmodel.Handler("/infer"))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/infer", "application/json", strings.NewReader(`{"text":"hello"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got refmodel.Output
	_ = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || got != refmodel.Predict(refmodel.Input{Text: "hello"}) {
		t.Fatalf("realtime %d %+v differs from the model", resp.StatusCode, got)
	}
	resp, _ = http.Post(srv.URL+"/infer", "application/json", strings.NewReader(`[1]`))
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("bad input: %d, want 400", resp.StatusCode)
	}
}

// Two reference models under different names answer differently, each as
// itself and each the same way every time.
func TestModelsOfOtherNamesAnswerDifferently(t *testing.T) {
	differs := 0
	for _, text := range []string{"good", "bad", "the service was fine", "hello world", "slow and cold", "fast"} {
		in := refmodel.Input{Text: text}
		a, b := refmodel.Predict(in), refmodel.PredictAs("reference-small-1", in)
		if a.Model != refmodel.Version || b.Model != "reference-small-1" || refmodel.PredictAs("reference-small-1", in) != b {
			t.Fatalf("%q: %+v and %+v", text, a, b)
		}
		if a.Score != b.Score {
			differs++
		}
	}
	if differs == 0 {
		t.Fatal("a model of another name scores every input as the reference model does")
	}
}
