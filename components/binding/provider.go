// Package binding holds what the hand-typed azure-native bindings (batch,
// managedidentity) share: the provider version they register with.
package binding

// AzureNativeVersion is the azure-native provider version every resource of
// the stack is registered with: the version of the azure-native SDK modules
// in go.mod (a test keeps the two equal), and of the npm package the
// bindings' fields are checked against (internal/offline/schemacheck).
const AzureNativeVersion = "2.90.0"
