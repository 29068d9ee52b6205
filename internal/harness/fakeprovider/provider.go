package fakeprovider

import (
	"context"
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

// Provider is one package's fake. Methods not overridden answer
// Unimplemented, which the engine tolerates for optional calls.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	name, version string

	mu     sync.Mutex
	builds map[string]int // dockerfile → build generation (docker only)
	// secrets are the Key Vault secrets' current versions, by vault/name.
	secrets map[string]secretVersion
	// deleted are the URNs the engine asked to delete, in order.
	deleted []string
}

func newProvider(name, version string) *Provider {
	return &Provider{name: name, version: version, builds: map[string]int{}, secrets: map[string]secretVersion{}}
}

// The engine sends and accepts secrets, unknowns and resource references.
var wire = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, KeepOutputValues: false}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, wire)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, wire)
}

// Handshake replaces Attach for engines that send it; an attached provider
// gets the engine's address in either.
func (p *Provider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

// Attach is how the engine hands its address to a provider it did not start.
func (p *Provider) Attach(context.Context, *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *Provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *Provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Invoke answers the data sources the program calls (the deploying client,
// registry credentials) as the mocks do.
func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	out, err := mockstack.Answer(req.GetTok())
	if err != nil {
		return nil, fmt.Errorf("fake %s: %w", p.name, err)
	}
	ret, err := marshal(out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

// Check accepts the inputs as they are; a docker image's inputs gain the
// digest of its build context, as pulumi-docker computes one to decide
// whether the image must be rebuilt.
func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	if req.GetType() == dockerImage || resource.URN(req.GetUrn()).Type() == dockerImage {
		p.withContextDigest(news)
	}
	inputs, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs}, nil
}

// Diff compares the old inputs with the new ones property by property.
func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	old := req.GetOldInputs()
	if old == nil {
		old = req.GetOlds()
	}
	olds, err := unmarshal(old)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	return diff(resource.URN(req.GetUrn()).Type().String(), olds, news), nil
}

// Create answers a preview with the inputs and unknown computed outputs, and
// a deployment with the mocked cloud's id and state.
func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	urn := resource.URN(req.GetUrn())
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	var id string
	var state resource.PropertyMap
	if req.GetPreview() {
		state = previewState(urn.Type().String(), inputs)
	} else {
		id, state = p.provision(urn.Type().String(), urn.Name(), inputs)
	}
	props, err := marshal(state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Update answers like Create; a preview knows the computed outputs except
// the ones the change makes unknown (a rebuilt image's digest).
func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	urn := resource.URN(req.GetUrn())
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	var state resource.PropertyMap
	if req.GetPreview() {
		state = previewUpdate(urn.Type().String(), urn.Name(), olds, news)
	} else {
		_, state = p.provision(urn.Type().String(), urn.Name(), news)
	}
	props, err := marshal(state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// Read returns what the engine holds — the fake cloud never drifts — but
// for a Key Vault secret, whose state is what Azure Resource Manager
// reports of its current version (WriteSecret).
func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if resource.URN(req.GetUrn()).Type() != keyVaultSecret {
		return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
	}
	state, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetInputs())
	if err != nil {
		return nil, err
	}
	state, inputs = p.readSecret(state, inputs)
	props, err := marshal(state)
	if err != nil {
		return nil, err
	}
	in, err := marshal(inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: in}, nil
}

// Delete records what the engine deletes: a resource it retains
// (retainOnDelete) never reaches the provider.
func (p *Provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deleted = append(p.deleted, req.GetUrn())
	return &emptypb.Empty{}, nil
}
