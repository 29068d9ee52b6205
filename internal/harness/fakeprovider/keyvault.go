package fakeprovider

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

const keyVaultSecret = "azure-native:keyvault:Secret"

// WriteSecret writes a new version of secret name in vault through Key
// Vault's data plane without the stack's tags, the worst a rollback's write
// can do (router/azure.KeyVault copies the current version's tags; `az
// keyvault secret set` does not): Pulumi is not told, and sees it at its
// next refresh.
func (c *Cloud) WriteSecret(vault, name string) {
	c.providers["azure-native"].writeSecret(vault + "/" + name)
}

// secretVersion is a secret's current version in the fake vault.
type secretVersion struct {
	n int
	// untagged: written through the data plane, without the stack's tags.
	untagged bool
}

func (p *Provider) writeSecret(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.secrets[key] = secretVersion{n: p.secrets[key].n + 1, untagged: true}
}

// putSecret is a write through Azure Resource Manager (a create or update
// by Pulumi): a new version with the stack's tags.
func (p *Provider) putSecret(state resource.PropertyMap) resource.PropertyMap {
	key := stringAt(state, "vaultName") + "/" + stringAt(state, "secretName")
	p.mu.Lock()
	p.secrets[key] = secretVersion{n: p.secrets[key].n + 1}
	p.mu.Unlock()
	return p.secretAsARMReports(state)
}

// secretAsARMReports is a secret's state as Azure Resource Manager reports
// it: the URI of its current version, never its value ("'value' will never
// be returned from the service": Azure REST API, Microsoft.KeyVault
// SecretProperties). A version written through the data plane without tags
// has none: tags belong to a version (Azure/AzureKeyVault issue 17: a new
// version does not carry the last one's tags or content type); that ARM's
// read reports the current version's tags is inferred, not documented.
func (p *Provider) secretAsARMReports(state resource.PropertyMap) resource.PropertyMap {
	out := state.Copy()
	name, vault := stringAt(state, "secretName"), stringAt(state, "vaultName")
	p.mu.Lock()
	v := p.secrets[vault+"/"+name]
	p.mu.Unlock()
	props := resource.PropertyMap{}
	if v := state["properties"]; v.IsObject() {
		props = v.ObjectValue().Copy()
	}
	delete(props, "value")
	uri := fmt.Sprintf("https://%s.vault.azure.net/secrets/%s", vault, name)
	props["secretUri"] = resource.NewProperty(uri)
	props["secretUriWithVersion"] = resource.NewProperty(uri + "/" + mockstack.Sha256Hex(fmt.Sprintf("%s#%d", name, v.n))[:32])
	out["properties"] = resource.NewProperty(props)
	if v.untagged {
		delete(out, "tags")
	}
	return out
}

// readSecret is azure-native's read of a secret: the state Azure reports,
// and the last inputs changed where that state's input-shaped properties
// changed (pulumi-azure-native provider.go, Read: the difference between
// the old and new outputs projected to inputs, applied to the old inputs).
// The value never comes back, so it stays the stack's; tags a new version
// lacks leave the inputs too.
func (p *Provider) readSecret(state, inputs resource.PropertyMap) (resource.PropertyMap, resource.PropertyMap) {
	now := p.secretAsARMReports(state)
	in := inputs.Copy()
	if _, ok := now["tags"]; !ok {
		delete(in, "tags")
	}
	return now, in
}
