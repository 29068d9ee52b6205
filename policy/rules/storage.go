package rules

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

// Storage hardening (azure-docs storage/common/security-recommendations.md):
// every rule asks for the setting explicitly, because older API versions
// default to the insecure value and a default can change with the API.

func storagePolicies() []policyx.Policy {
	return []policyx.Policy{
		resourceRule{
			name:        "storage-https-only",
			description: "Storage accounts accept HTTPS only.",
			level:       mandatory,
			types:       []string{"storage:StorageAccount"},
			check: func(t target, report func(string, ...any)) {
				requireBool(t, report, true, "enableHttpsTrafficOnly",
					"so that queue messages and payloads never travel in clear text")
			},
		}.policy(),
		resourceRule{
			name:        "storage-tls-1-2",
			description: "Storage accounts refuse TLS older than 1.2.",
			level:       mandatory,
			types:       []string{"storage:StorageAccount"},
			check: func(t target, report func(string, ...any)) {
				f := get(t.Props, "minimumTlsVersion")
				if f.unknown() {
					return
				}
				v, _ := f.str()
				if v != "TLS1_2" && v != "TLS1_3" {
					report("storage account %q: set minimumTlsVersion to \"TLS1_2\" (it is %s)", t.Name, describe(f))
				}
			},
		}.policy(),
		resourceRule{
			name:        "storage-no-public-blob-access",
			description: "No anonymous read access to blobs: request payloads and results are private.",
			level:       mandatory,
			types:       []string{"storage:StorageAccount", "storage:BlobContainer"},
			check: func(t target, report func(string, ...any)) {
				if typeIs(t.Type, "storage:StorageAccount") {
					requireBool(t, report, false, "allowBlobPublicAccess",
						"so that no container can be made public")
					return
				}
				f := get(t.Props, "publicAccess")
				if v, ok := f.str(); ok && v != "None" {
					report("blob container %q: set publicAccess to \"None\" (it is %q)", t.Name, v)
				}
			},
		}.policy(),
		resourceRule{
			name:        "storage-shared-key-off",
			description: "Storage accounts refuse account keys: every client authenticates with Entra ID.",
			level:       mandatory,
			types:       []string{"storage:StorageAccount"},
			check: func(t target, report func(string, ...any)) {
				requireBool(t, report, false, "allowSharedKeyAccess",
					"and give each client a managed identity with a data role instead of a key")
			},
		}.policy(),
	}
}
