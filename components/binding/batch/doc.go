// Package batch binds the azure-native provider's Batch resources
// (`azure-native:batch:BatchAccount`, `azure-native:batch:Pool`, API
// 2023-05-01 in provider 2.90.0) because the batch/v2 SDK module is not
// served by our module proxy. It registers the same tokens with the same
// property names at the same provider version, so the engine, the provider
// and policy packs see exactly what the SDK would send. Names mirror the SDK
// (NewBatchAccount, BatchAccountArgs, NewPool, PoolArgs, ...ArgsTypes), so
// swapping in github.com/pulumi/pulumi-azure-native-sdk/batch/v2 later is an
// import change for the subset used here.
//
// Only the properties this stack sets are bound. `go run ./cmd/gpuorch
// schemacheck` compares every property name here with the provider's
// published type definitions.
package batch

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding"
)

// ProviderVersion is the azure-native plugin version every resource of the
// stack is registered with.
const ProviderVersion = binding.AzureNativeVersion

func withVersion(opts []pulumi.ResourceOption) []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption{pulumi.Version(ProviderVersion)}, opts...)
}
