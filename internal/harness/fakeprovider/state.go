package fakeprovider

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

const dockerImage = "docker:index/image:Image"

// provision is the deployed state: the mocked cloud's, with a docker
// image's digest following its build context.
func (p *Provider) provision(typ, name string, inputs resource.PropertyMap) (string, resource.PropertyMap) {
	id, state := mockstack.Provision(typ, name, inputs, "")
	switch typ {
	case dockerImage:
		// pulumi-docker's id of a pushed image is its digest reference.
		id = p.repoDigest(inputs)
		state["repoDigest"] = resource.NewProperty(id)
	case keyVaultSecret:
		state = p.putSecret(state)
	}
	return id, state
}

// previewState is what a preview of a create knows: the inputs; the
// computed outputs (at any depth) are unknown. The Azure name is known,
// since it is an input.
func previewState(typ string, inputs resource.PropertyMap) resource.PropertyMap {
	_, full := mockstack.Provision(typ, "", inputs, "")
	return unknownBeyond(full, inputs, true)
}

// unknownBeyond returns full with every value that inputs does not hold
// replaced by an unknown, recursing into objects both hold.
func unknownBeyond(full, inputs resource.PropertyMap, top bool) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range full {
		in, ok := inputs[k]
		switch {
		case top && k == "name":
			out[k] = v
		case !ok:
			out[k] = resource.MakeComputed(resource.NewProperty(""))
		case in.IsObject() && v.IsObject():
			out[k] = resource.NewProperty(unknownBeyond(v.ObjectValue(), in.ObjectValue(), false))
		default:
			out[k] = in
		}
	}
	return out
}

// previewUpdate is what a preview of an update knows: the state the new
// inputs provision, with the computed outputs that only the deployment
// itself produces unknown (a rebuilt image's digest, known once pushed).
func previewUpdate(typ, name string, olds, news resource.PropertyMap) resource.PropertyMap {
	_, state := mockstack.Provision(typ, name, news, "")
	if typ == dockerImage {
		if olds["build"].DeepEquals(news["build"]) && olds["imageName"].DeepEquals(news["imageName"]) {
			state["repoDigest"] = olds["repoDigest"]
		} else {
			state["repoDigest"] = resource.MakeComputed(resource.NewProperty(""))
		}
	}
	return state
}

// withContextDigest adds build.contextDigest to a docker image's inputs:
// the digest of its dockerfile's current build generation.
func (p *Provider) withContextDigest(inputs resource.PropertyMap) {
	b, ok := inputs["build"]
	if !ok || !b.IsObject() {
		return
	}
	build := b.ObjectValue().Copy()
	dockerfile := stringAt(build, "dockerfile")
	p.mu.Lock()
	gen := p.builds[dockerfile]
	p.mu.Unlock()
	build["contextDigest"] = resource.NewProperty(contextDigest(dockerfile, gen))
	inputs["build"] = resource.NewProperty(build)
}

func (p *Provider) rebuild(dockerfile string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.builds[dockerfile]++
}

func contextDigest(dockerfile string, generation int) string {
	return mockstack.Sha256Hex(fmt.Sprintf("%s#%d", dockerfile, generation))
}

// repoDigest is the pushed image's digest: the mocks' for the first build,
// so the engine's state and the mocked run agree, another for each rebuild.
func (p *Provider) repoDigest(inputs resource.PropertyMap) string {
	image := stringAt(inputs, "imageName")
	build := resource.PropertyMap{}
	if b := inputs["build"]; b.IsObject() {
		build = b.ObjectValue()
	}
	digest := stringAt(build, "contextDigest")
	if digest == "" || digest == contextDigest(stringAt(build, "dockerfile"), 0) {
		return mockstack.RepoDigest(image)
	}
	return mockstack.RepoDigest(image + "#" + digest)
}

func stringAt(m resource.PropertyMap, key resource.PropertyKey) string {
	if v := m[key]; v.IsString() {
		return v.StringValue()
	}
	return ""
}
