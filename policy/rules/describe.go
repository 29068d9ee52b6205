package rules

import (
	"fmt"
	"strings"
)

// describe says what an input is, for messages: "unset", "false", "\"TLS1_0\"".
// Secret values are never printed.
func describe(f field) string {
	switch {
	case f.absent():
		return "unset"
	case f.unknown():
		return "unknown"
	case f.v.Secret():
		return "a secret value"
	case f.v.IsString():
		return fmt.Sprintf("%q", f.v.AsString())
	case f.v.IsBool():
		return fmt.Sprint(f.v.AsBool())
	case f.v.IsNumber():
		return fmt.Sprint(f.v.AsNumber())
	default:
		return "set"
	}
}

// requireBool reports unless the boolean input at path is known to be want.
// An unknown value is not judged; an absent one is reported because the rule
// wants the setting explicit.
func requireBool(t target, report func(string, ...any), want bool, path string, why string) {
	f := get(t.Props, strings.Split(path, ".")...)
	if f.unknown() {
		return
	}
	if v, ok := f.boolean(); ok && v == want {
		return
	}
	report("%s %q: set %s to %v %s (it is %s)", kindOf(t.Type), t.Name, path, want, why, describe(f))
}

// kindOf names a resource type for messages: "storage account", "key vault".
func kindOf(token string) string {
	for want, label := range kinds {
		if typeIs(token, want) {
			return label
		}
	}
	return token
}

var kinds = map[string]string{
	"storage:StorageAccount":               "storage account",
	"storage:BlobContainer":                "blob container",
	"keyvault:Vault":                       "key vault",
	"app:ContainerApp":                     "container app",
	"app:ManagedEnvironment":               "container apps environment",
	"batch:BatchAccount":                   "batch account",
	"batch:Pool":                           "batch pool",
	"containerregistry:Registry":           "container registry",
	"authorization:RoleAssignment":         "role assignment",
	"operationalinsights:Workspace":        "log analytics workspace",
	"managedidentity:UserAssignedIdentity": "managed identity",
	"network:PrivateEndpoint":              "private endpoint",
	"network:PrivateZone":                  "private DNS zone",
}
