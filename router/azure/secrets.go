package azure

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// KeyVault is a router.SecretSource on Azure Key Vault.
type KeyVault struct {
	c *azsecrets.Client
}

var _ router.SecretSource = (*KeyVault)(nil)

// NewKeyVault reads secrets from the vault at uri with the credential (the
// router's identity needs Key Vault Secrets User).
func NewKeyVault(uri string, cred azcore.TokenCredential) (*KeyVault, error) {
	return newKeyVault(uri, cred, nil)
}

func newKeyVault(uri string, cred azcore.TokenCredential, opts *azsecrets.ClientOptions) (*KeyVault, error) {
	c, err := azsecrets.NewClient(uri, cred, opts)
	if err != nil {
		return nil, fmt.Errorf("key vault client: %w", err)
	}
	return &KeyVault{c: c}, nil
}

// Secrets implements router.SecretSource: the latest version of each named
// secret; missing secrets are left out, any other failure fails the read.
func (k *KeyVault) Secrets(ctx context.Context, names []string) (map[string]string, error) {
	out := make(map[string]string, len(names))
	for _, n := range names {
		resp, err := k.c.GetSecret(ctx, n, "", nil)
		if err != nil {
			if statusOf(err) == 404 {
				continue
			}
			return nil, asUnavailable("read secret "+n, err)
		}
		if resp.Value != nil {
			out[n] = *resp.Value
		}
	}
	return out, nil
}

var _ router.SecretWriter = (*KeyVault)(nil)

// SetSecret implements router.SecretWriter: a new version of the secret
// (the router's identity needs Key Vault Secrets Officer on that secret)
// with the current version's tags and content type. Key Vault keeps both
// per version, so a version written without them drops the stack's tags,
// which pulumi preview --refresh then shows as drift.
func (k *KeyVault) SetSecret(ctx context.Context, name, value string) error {
	params := azsecrets.SetSecretParameters{Value: &value}
	cur, err := k.c.GetSecret(ctx, name, "", nil)
	switch {
	case err == nil:
		params.Tags, params.ContentType = cur.Tags, cur.ContentType
	case statusOf(err) != 404:
		return asUnavailable("read secret "+name+" before writing it", err)
	}
	_, err = k.c.SetSecret(ctx, name, params, nil)
	return asUnavailable("write secret "+name, err)
}
