package components

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// Membership is a regional stack's place behind a global stack, as the
// global stack's outputs tell it (the stack package reads them through a
// StackReference). It gives the router its region, its peers and the front
// door it answers through, and the deployment's API key in place of the
// region's own: a caller's key goes with a request that one region forwards
// to another or lets another answer, so every region must accept it.
type Membership struct {
	// GlobalStack names the global stack, for errors; Stack is this one.
	GlobalStack, Stack string
	// Region is this stack's region, its location: the ids its router
	// makes carry it.
	Region string
	// Routers are the global stack's regions output: every region's
	// router behind the front door, a list of {region, url, stack}.
	Routers pulumi.AnyOutput
	// FrontDoorID is the profile's Front Door id, which the front door
	// sends in X-Azure-FDID.
	FrontDoorID pulumi.StringOutput
	// APIKey is the deployment's key (secret) and APIKeyHash its SHA-256,
	// which the router's Key Vault holds.
	APIKey, APIKeyHash pulumi.StringOutput
	// Spillover is the router's SPILLOVER: whether a peer may answer a
	// realtime request this region cannot (routerconfig.SpilloverOff or
	// SpilloverRealtime).
	Spillover string
}

// regionEnv is the router's multi-region configuration (router/config
// regions.go): REGION, PEERS, SPILLOVER and FRONT_DOOR_ID.
func (m *Membership) regionEnv() map[string]pulumi.StringInput {
	return map[string]pulumi.StringInput{
		routerconfig.EnvRegion:      pulumi.String(m.Region),
		routerconfig.EnvPeers:       m.peers(),
		routerconfig.EnvSpillover:   pulumi.String(m.Spillover),
		routerconfig.EnvFrontDoorID: m.FrontDoorID,
	}
}

// peers is PEERS: the other regions' routers, as the router reads them. The
// global stack must list this region: a router behind a front door that
// does not send it traffic would answer nothing, and its peers would not
// know where its jobs are.
func (m *Membership) peers() pulumi.StringOutput {
	return m.Routers.ApplyT(func(v any) (string, error) {
		routers, err := decodeRouters(v)
		if err != nil {
			return "", fmt.Errorf("the global stack %s's regions output: %w", m.GlobalStack, err)
		}
		peers := []routerconfig.Peer{}
		listed := ""
		for _, r := range routers {
			if r.Region == m.Region {
				listed = r.Stack
				continue
			}
			peers = append(peers, routerconfig.Peer{Region: r.Region, URL: r.URL})
		}
		switch {
		case listed == "":
			return "", fmt.Errorf("the global stack %s does not list this stack's region %s among its regions: add this stack to its regionStacks and run pulumi up on it first", m.GlobalStack, m.Region)
		case config.StackName(listed) != m.Stack:
			return "", fmt.Errorf("the global stack %s lists %s for %s, not this stack %s: a deployment has one stack per region", m.GlobalStack, listed, m.Region, m.Stack)
		}
		b, err := json.Marshal(peers)
		return string(b), err
	}).(pulumi.StringOutput)
}

// RegionalRouter is one region's router as the global stack exports it
// (its regions output) and the regional stacks read it back.
type RegionalRouter struct {
	Region string `json:"region"`
	URL    string `json:"url"`
	// Stack is the regional stack the router was read from.
	Stack string `json:"stack"`
}

// decodeRouters reads the regions output as a StackReference returns it
// (decoded JSON).
func decodeRouters(v any) ([]RegionalRouter, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out []RegionalRouter
	if err := json.Unmarshal(b, &out); err != nil || len(out) == 0 {
		return nil, fmt.Errorf("want a list of {region, url, stack}, got %s", b)
	}
	return out, nil
}
