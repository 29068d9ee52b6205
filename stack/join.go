package stack

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// joinGlobal reads, for a regional stack with globalStack set, what the
// global stack tells its regions: every region's router, the front door's
// id and the deployment's API key. A region on its own joins nothing (nil),
// and its plan is what it was before multi-region deployments existed.
//
// Regions learn their peers from the global stack rather than from each
// other: the global stack's regionStacks is the one list of a deployment's
// regions, so adding a region is one line there (then pulumi up on the
// global stack and on each region), not one in every region, and a
// router's address that changes (a replaced environment) reaches the peers
// with the next pulumi up, never copied by hand.
func joinGlobal(ctx *pulumi.Context, cfg *config.Config) (*components.Membership, error) {
	if !cfg.Deployment.Joined() {
		return nil, nil
	}
	name := cfg.Deployment.GlobalStack
	ref, err := pulumi.NewStackReference(ctx, name, &pulumi.StackReferenceArgs{Name: pulumi.String(name)})
	if err != nil {
		return nil, fmt.Errorf("reading the global stack %s: %w", name, err)
	}
	return &components.Membership{
		GlobalStack: name,
		Stack:       cfg.Stack,
		Region:      cfg.Location,
		Routers:     ref.GetOutput(pulumi.String("regions")),
		FrontDoorID: stackOutput(ref, name, "frontDoorId"),
		APIKey:      stackOutput(ref, name, "apiKey"),
		APIKeyHash:  stackOutput(ref, name, "apiKeySha256"),
		Spillover:   cfg.Deployment.Spillover,
	}, nil
}

// stackOutput is a string output of another stack of the deployment,
// failing the preview with what to do when the stack lacks it (it is not
// of this project, or has not been deployed yet). Secret outputs stay
// secret.
func stackOutput(ref *pulumi.StackReference, stack, output string) pulumi.StringOutput {
	return ref.GetOutput(pulumi.String(output)).ApplyT(func(v any) (string, error) {
		s, ok := v.(string)
		if !ok || s == "" {
			return "", fmt.Errorf("stack %s has no output %s: name a stack of this project (stackKind: global for a globalStack, a regional one in regionStacks) that pulumi up has deployed", stack, output)
		}
		return s, nil
	}).(pulumi.StringOutput)
}
