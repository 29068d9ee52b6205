// Command policy is the gpu-orchestration policy pack as the Pulumi CLI runs
// it: `pulumi preview --policy-pack policy`. The rules live in policy/rules so
// that `go test` and the offline preview run exactly the same code.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/gpu-orchestration/gpu-orchestration/policy/rules"
)

func main() {
	err := policyx.Main(func(ctx *pulumi.Context) (policyx.PolicyPack, error) {
		// The engine hands the pack the checked stack's configuration.
		settings, err := rules.SettingsFromConfig(ctx.GetConfig)
		if err != nil {
			return nil, err
		}
		return rules.Pack(settings)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
