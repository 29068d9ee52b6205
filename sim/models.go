package sim

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	"github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// Model is one model of a replay: the trace of its traffic, the GPU it is
// deployed on with the stack's scale figures, the production router's
// settings for it, and optionally a canary revision taking a share of it.
// Each model has its own GPU app (one per revision) and its own live state;
// its batch work runs on the pool of its GPU type, in micro-batches of its
// own.
type Model struct {
	Name string
	// Trace names the trace in the report; Rows are its requests.
	Trace    string
	Rows     []TraceRow
	Params   Params
	Settings router.Settings
	Canary   *Canary
}

// replay is what every policy of one Simulate replays: the models'
// requests, derived by the rule and merged in arrival order, every model's
// trace starting at the same instant (a region's shifted by its Shift). The
// models are grouped in regions: one for a replay of -trace or -model.
type replay struct {
	// models are every region's, in region order.
	models  []Model
	regions []replayRegion
	reqs    []Request
	// byModel are the IDs of each model's requests.
	byModel [][]int
	start   time.Time
	seed    uint64
	routers Routers
	// roundTrip is the time between regions there and back; spill says
	// whether the routed policies offer a peer region the requests they
	// refuse for their deadline (spillover.go).
	roundTrip time.Duration
	spill     bool
}

// replayRegion is one region of a replay: its models and the catalog
// each of its simulated router replicas is built from (its models as the
// router's MODELS would list them).
type replayRegion struct {
	name   string
	models []int
	specs  []config.Model
	// ids are the IDs of the requests the region received.
	ids []int
}

// regionSpec is what a region replays: its models, their traces starting
// shift after the replay's first instant.
type regionSpec struct {
	name   string
	models []Model
	shift  time.Duration
}

// newReplay is a replay of ms in one region.
func newReplay(ms []Model, rule Rule, routers Routers) (*replay, error) {
	return newRegionsReplay([]regionSpec{{models: ms}}, rule, routers)
}

// newRegionsReplay derives each model's requests with rule (the first
// model's with the rule's own draws, the others' with draws of their own,
// so that one model's classes do not repeat another's, nor one region's
// callers another's) and merges them.
func newRegionsReplay(regions []regionSpec, rule Rule, routers Routers) (*replay, error) {
	if len(regions) == 0 || len(regions[0].models) == 0 {
		return nil, fmt.Errorf("sim: no model to replay")
	}
	if err := routers.Validate(); err != nil {
		return nil, err
	}
	rp := &replay{seed: rule.Seed, routers: routers}
	for _, reg := range regions {
		rr := replayRegion{name: reg.name}
		names := map[string]bool{}
		for _, m := range reg.models {
			if len(m.Rows) == 0 {
				return nil, fmt.Errorf("sim: model %s: the trace has no requests", m.Name)
			}
			if names[m.Name] {
				return nil, fmt.Errorf("sim: two models are named %q", m.Name)
			}
			names[m.Name] = true
			i := len(rp.models)
			rr.models = append(rr.models, i)
			rp.models = append(rp.models, m)
			for _, r := range rule.derive(m.Rows, m.Params.Throughput, uint64(i)) {
				r.Model, r.Arrival = i, r.Arrival+reg.shift
				rp.reqs = append(rp.reqs, r)
			}
		}
		var err error
		if rr.specs, err = catalogSpecs(reg.models); err != nil {
			return nil, err
		}
		rp.regions = append(rp.regions, rr)
	}
	rp.byModel = make([][]int, len(rp.models))
	rp.start = rp.models[0].Rows[0].Time
	sort.SliceStable(rp.reqs, func(i, j int) bool { return rp.reqs[i].Arrival < rp.reqs[j].Arrival })
	regionOf := make([]int, len(rp.models))
	for ri, rr := range rp.regions {
		for _, m := range rr.models {
			regionOf[m] = ri
		}
	}
	for i := range rp.reqs {
		rp.reqs[i].ID = i
		m := rp.reqs[i].Model
		rp.byModel[m] = append(rp.byModel[m], i)
		rr := &rp.regions[regionOf[m]]
		rr.ids = append(rr.ids, i)
	}
	return rp, nil
}

// withRequests is rp replaying reqs (the same requests, sent otherwise).
func (rp *replay) withRequests(reqs []Request) *replay {
	c := *rp
	c.reqs = reqs
	return &c
}

// horizon bounds a run after the last arrival: the longest of the models'.
func (rp *replay) horizon() time.Duration {
	h := time.Duration(0)
	for _, m := range rp.models {
		h = max(h, m.Params.Horizon)
	}
	return h
}

// catalogSpecs are the models as MODELS lists them for the router (a key
// each, a canary as a second revision with its weight and rollback
// thresholds), read back through router/config, which checks them as the
// router does: the simulated routers build their catalog from the same
// entries.
func catalogSpecs(ms []Model) ([]config.Model, error) {
	specs := make([]config.Model, len(ms))
	for i, m := range ms {
		url := "http://" + simHost + "/" + specKey(i)
		specs[i] = config.Model{Name: m.Name, Key: specKey(i), InferenceURL: url}
		if c := m.Canary; c != nil {
			specs[i].Revisions = []config.Revision{
				{Name: StableRevision, InferenceURL: url, Weight: 100 - c.Weight},
				{Name: CanaryRevision, InferenceURL: url + "-" + CanaryRevision, Weight: c.Weight},
			}
			rb := c.Rollback
			specs[i].Rollback = &rb
		}
	}
	raw, err := json.Marshal(specs)
	if err != nil {
		return nil, err
	}
	env := map[string]string{config.EnvModels: string(raw), config.EnvAPIKey: "simulated", config.EnvExecutor: config.ExecutorNone}
	c, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, fmt.Errorf("sim: the models as the router reads them: %w", err)
	}
	return c.Models, nil
}

// simHost is the apps' host in the simulated router's catalog: never
// dialled.
const simHost = "sim.invalid"

func specKey(i int) string { return fmt.Sprintf("m%d", i) }
