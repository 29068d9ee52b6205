package schemacheck

import (
	"reflect"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding"
	"github.com/gpu-orchestration/gpu-orchestration/components/binding/batch"
	"github.com/gpu-orchestration/gpu-orchestration/components/binding/managedidentity"
)

// ProjectBindings are the project's hand-typed bindings.
var ProjectBindings = []Binding{
	{Args: reflect.TypeOf(batch.BatchAccountArgs{}), ArgsDTS: "batch/batchAccount.d.ts", TypesNamespace: "batch"},
	{Args: reflect.TypeOf(batch.PoolArgs{}), ArgsDTS: "batch/pool.d.ts", TypesNamespace: "batch"},
	{Args: reflect.TypeOf(managedidentity.UserAssignedIdentityArgs{}), ArgsDTS: "managedidentity/userAssignedIdentity.d.ts", TypesNamespace: "managedidentity"},
}

// NPMPackage is the provider package the bindings must agree with.
const NPMPackage = "@pulumi/azure-native@" + binding.AzureNativeVersion

// Files are the parts of the package the check reads.
var Files = []string{
	"package/batch/batchAccount.d.ts",
	"package/batch/pool.d.ts",
	"package/managedidentity/userAssignedIdentity.d.ts",
	"package/network/virtualNetwork.d.ts",
	"package/network/networkSecurityGroup.d.ts",
	"package/network/privateEndpoint.d.ts",
	"package/network/privateDnsZoneGroup.d.ts",
	"package/network/privateZone.d.ts",
	"package/network/virtualNetworkLink.d.ts",
	"package/types/input.d.ts",
}
