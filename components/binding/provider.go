// Package binding holds the azure-native provider version the whole stack
// pins: the hand-typed bindings (batch, managedidentity) and the Container
// Apps the components register themselves (components/containerapp.go)
// register with it, and the engine tests' fake cloud serves it.
package binding

// AzureNativeVersion is the azure-native provider version every resource of
// the stack is registered with: the version of the azure-native SDK modules
// in go.mod (a test keeps the two equal), and of the npm package the
// bindings' fields are checked against (internal/offline/schemacheck).
const AzureNativeVersion = "2.90.0"
