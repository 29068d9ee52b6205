package dispatch_test

import (
	"slices"
	"testing"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
	"github.com/gpu-orchestration/gpu-orchestration/router/dispatch"
	"github.com/gpu-orchestration/gpu-orchestration/router/live"
	"github.com/gpu-orchestration/gpu-orchestration/router/models"
)

// A micro-batch holds one model's jobs and runs that model's image and
// command on its pool, whatever order the jobs of several models arrive in.
func TestMicroBatchesNeverMixModels(t *testing.T) {
	r := newRig()
	cat, err := models.New([]config.Model{
		{Name: "chat-1", Key: "chat", InferenceURL: "http://chat/infer", API: router.FormatReference, Image: "cr/chat@sha256:1", BatchCommand: "/bin/chat batch", PoolID: "pool-a100"},
		{Name: "small-1", Key: "small", InferenceURL: "http://small/infer", API: router.FormatReference, Image: "cr/small@sha256:2", BatchCommand: "/bin/small batch", PoolID: "pool-t4"},
	}, live.NewSettings(router.DefaultSettings(), nil))
	if err != nil {
		t.Fatal(err)
	}
	r.cfg.Models = cat
	byModel := map[string][]string{}
	for i := range 6 {
		key := []string{"chat", "small"}[i%2]
		job, _, err := r.svc.Submit(t.Context(), router.Submission{Body: []byte(`{}`), ModelKey: key, Model: key + "-alias", Revision: "v2"})
		if err != nil {
			t.Fatal(err)
		}
		byModel[key] = append(byModel[key], job.ID)
	}
	if _, err := dispatch.New(r.cfg).Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(r.model.runs) != 2 {
		t.Fatalf("%d runs %v, want one per model", len(r.model.runs), r.model.runs)
	}
	for i, run := range r.model.runs {
		target := r.model.targets[i]
		m := cat.For(target.Model)
		slices.Sort(run)
		want := slices.Sorted(slices.Values(byModel[m.Key]))
		if !slices.Equal(run, want) || target.Image != m.Image || target.PoolID != m.PoolID || target.Command != m.BatchCommand {
			t.Errorf("run %d: jobs %v on %s (%s, %s); want %s's jobs %v on its image %s and pool %s", i, run, target.Model, target.Image, target.PoolID, m.Name, want, m.Image, m.PoolID)
		}
	}
	for _, ids := range byModel {
		for _, id := range ids {
			// The record is first written from the message: it keeps the
			// model the caller named and the revision the job is pinned to.
			if j := r.job(t, id); j.State != router.JobSucceeded || j.Model == "" || j.Revision != "v2" {
				t.Errorf("job %s: %s, model %q, revision %q; want succeeded with its model and revision v2", id, j.State, j.Model, j.Revision)
			}
		}
	}
}

// Jobs pinned to a canary that is rolled back before they run are run by
// stable, on its image, and their records say so: a canary judged worse
// runs nothing more.
func TestARolledBackCanarysQueuedJobsRunOnStable(t *testing.T) {
	r := newRig()
	cat, err := models.New([]config.Model{{Name: "chat-1", Key: "chat", InferenceURL: "http://chat/infer", API: router.FormatReference,
		Image: "cr/chat@sha256:1", BatchCommand: "/bin/chat batch", PoolID: "pool-a100",
		Revisions: []config.Revision{{Name: "v1", InferenceURL: "http://v1/infer", Weight: 90}, {Name: "v2", InferenceURL: "http://v2/infer", Image: "cr/chat@sha256:2", Weight: 10}}}},
		live.NewSettings(router.DefaultSettings(), nil))
	if err != nil {
		t.Fatal(err)
	}
	r.cfg.Models = cat
	var ids []string
	for range 3 {
		job, _, err := r.svc.Submit(t.Context(), router.Submission{Body: []byte(`{}`), ModelKey: "chat", Model: "chat-1", Revision: "v2"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, job.ID)
	}
	if !cat.For("chat").RollBack("v2", "errors") {
		t.Fatal("v2 not rolled back")
	}
	if _, err := dispatch.New(r.cfg).Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(r.model.targets) != 1 || r.model.targets[0].Image != "cr/chat@sha256:1" {
		t.Fatalf("runs on %+v; want one run on stable's image cr/chat@sha256:1", r.model.targets)
	}
	for _, id := range ids {
		if j := r.job(t, id); j.State != router.JobSucceeded || j.Revision != "v1" {
			t.Errorf("job %s: %s, revision %q; want succeeded by v1", id, j.State, j.Revision)
		}
	}
}
