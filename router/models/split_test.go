package models

import (
	"math"
	"strconv"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
)

func canaryModel(t *testing.T, weights ...int) *Deployment {
	t.Helper()
	spec := config.Model{Name: "m", Key: "m", InferenceURL: "http://m/infer"}
	for i, w := range weights {
		name := "v" + strconv.Itoa(i+1)
		spec.Revisions = append(spec.Revisions, config.Revision{Name: name, InferenceURL: "http://" + name + "/infer", Weight: w})
	}
	cat, err := New([]config.Model{spec}, live.NewSettings(router.DefaultSettings(), nil))
	if err != nil {
		t.Fatal(err)
	}
	return cat.Default()
}

// The split gives each revision its weight of the callers, keeps each
// caller on one revision, and after a rollback gives the canary none.
func TestSplitProportionsAndStickiness(t *testing.T) {
	d := canaryModel(t, 80, 15, 5)
	const callers = 20000
	got := map[string]int{}
	for i := range callers {
		caller := "user-" + strconv.Itoa(i)
		r := d.Pick(caller)
		got[r.Name]++
		for range 3 {
			if again := d.Pick(caller); again != r {
				t.Fatalf("caller %s got %s, then %s", caller, r.Name, again.Name)
			}
		}
	}
	for name, want := range map[string]float64{"v1": 0.80, "v2": 0.15, "v3": 0.05} {
		if share := float64(got[name]) / callers; math.Abs(share-want) > 0.01 {
			t.Errorf("%s took %.3f of the callers, want %.2f", name, share, want)
		}
	}
	anonymous := map[string]int{}
	for range callers {
		anonymous[d.Pick("").Name]++
	}
	if share := float64(anonymous["v2"]) / callers; math.Abs(share-0.15) > 0.01 {
		t.Errorf("callers without a key: v2 took %.3f, want 0.15", share)
	}

	if !d.RollBack("v2", "test") || d.RollBack("v2", "again") || d.RollBack("v1", "stable") {
		t.Fatal("RollBack: want true once for a canary, never for stable")
	}
	if d.Weight(d.Revision("v2")) != 0 || d.Weight(d.Stable()) != 95 {
		t.Fatalf("weights after the rollback: v1 %d, v2 %d", d.Weight(d.Stable()), d.Weight(d.Revision("v2")))
	}
	for i := range callers {
		if r := d.Pick("user-" + strconv.Itoa(i)); r.Name == "v2" {
			t.Fatalf("a rolled-back canary still takes callers (%s)", "user-"+strconv.Itoa(i))
		}
	}
}
