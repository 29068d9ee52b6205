package rules

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/gpu-orchestration/gpu-orchestration/internal/azure/gpus"
)

// digestMarker is what an image reference by digest contains.
const digestMarker = "@sha256:"

// modelsEnv is the router's variable that lists the models (router/config
// EnvModels), each with the image its Batch tasks run.
const modelsEnv = "MODELS"

// modelPolicies judge each model of the fleet: its GPU is offered where it
// runs, the fleet asks for no more GPUs of a type than the subscription's
// quota allows, and production runs images by digest, in its apps and in
// its Batch tasks.
func modelPolicies(s Settings) []policyx.Policy {
	return []policyx.Policy{
		stackRule{
			name: "gpu-profile-in-region",
			description: "Every serverless GPU profile an environment declares is offered in the environment's region " +
				"(internal/azure/gpus; off with config gpuRegionCheck: off for a region added since).",
			level: mandatory,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				if s.GPURegionCheckOff {
					return
				}
				for _, env := range ofType(resources, "app:ManagedEnvironment") {
					loc, ok := get(env.Properties, "location").str()
					if !ok {
						continue // unknown until deployed: judged then
					}
					region := strings.ToLower(strings.ReplaceAll(loc, " ", ""))
					for _, p := range get(env.Properties, "workloadProfiles").items() {
						typ, _ := getValue(p, "workloadProfileType").str()
						profile, gpu := gpus.ByWorkloadProfileType(typ)
						if gpu && !profile.OfferedIn(region) {
							report(env.URN, "environment %q declares %s (%s) in %s, where serverless %s GPUs are not documented (they are in %s): "+
								"deploy to one of those regions, move the models on %s elsewhere, or set gpuRegionCheck: off for a region added since",
								env.Name, typ, profile.GPU, region, profile.GPU, strings.Join(profile.Regions, ", "), profile.GPU)
						}
					}
				}
			},
		}.policy(),
		stackRule{
			name: "gpu-replicas-within-quota",
			description: "The apps on one serverless GPU type together allow at most the GPUs of that type the stack's gpuQuota " +
				"says the subscription may run (quota is per subscription and GPU type; each replica is one GPU); types without a quota are not judged.",
			level: mandatory,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				profiles := gpuProfiles(resources)
				total := map[gpus.Type]float64{}
				apps := map[gpus.Type][]string{}
				first := map[gpus.Type]string{} // the URN the violation points at
				for _, app := range ofType(resources, "app:ContainerApp") {
					profile, ok := gpus.ByWorkloadProfileType(profiles[profileName(app.Properties)])
					if !ok {
						continue
					}
					n, known := get(app.Properties, "template", "scale", "maxReplicas").number()
					if !known {
						continue // containerapp-max-replicas-bounded speaks to an unset cap
					}
					total[profile.GPU] += n
					apps[profile.GPU] = append(apps[profile.GPU], fmt.Sprintf("%s %v", app.Name, n))
					if first[profile.GPU] == "" {
						first[profile.GPU] = app.URN
					}
				}
				for _, g := range gpus.Profiles {
					if limit, ok := s.GPUQuota[string(g.GPU)]; ok && total[g.GPU] > float64(limit) {
						report(first[g.GPU], "the apps on %s GPUs allow %v replicas together (%s), above gpuQuota.%s = %d: lower their maxReplicas "+
							"(models[i].maxReplicas), or raise gpuQuota after the subscription's serverless %s quota is raised",
							g.GPU, total[g.GPU], strings.Join(apps[g.GPU], ", "), g.GPU, limit, g.GPU)
					}
				}
			},
		}.policy(),
		resourceRule{
			name: "image-by-digest-prod",
			description: "In production (tag environment or stack = prod) every container image, and every model's Batch image " +
				"in the router's MODELS, is a reference by digest (@sha256:), so what was reviewed is what runs.",
			level: mandatory,
			types: []string{"app:ContainerApp"},
			check: func(t target, report func(string, ...any)) {
				if prod, known := isProd(t.Props); !known || !prod {
					return
				}
				for _, c := range containersOf(t.Props) {
					if image, ok := getValue(c.value, "image").str(); ok && !strings.Contains(image, digestMarker) {
						report("container app %q, container %q: image %q is a tag; run it by digest (repository@sha256:…), e.g. models[i].image set to the pushed digest", t.Name, c.name, image)
					}
					for _, env := range getValue(c.value, "env").items() {
						name, _ := getValue(env, "name").str()
						raw, ok := getValue(env, "value").str()
						if name != modelsEnv || !ok {
							continue
						}
						var models []struct{ Name, Image string }
						if err := json.Unmarshal([]byte(raw), &models); err != nil {
							report("container app %q: %s is not a JSON list of models: %v", t.Name, modelsEnv, err)
							continue
						}
						for _, m := range models {
							if m.Image != "" && !strings.Contains(m.Image, digestMarker) {
								report("container app %q: model %q's Batch tasks run image %q, a tag; run it by digest (models[i].image)", t.Name, m.Name, m.Image)
							}
						}
					}
				}
			},
		}.policy(),
	}
}
