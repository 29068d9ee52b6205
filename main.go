// The Pulumi program of gpu-orchestration; see stack.Program for what it declares.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/stack"
)

func main() {
	pulumi.Run(stack.Run)
}
