package components

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// VaultArgs configures the Key Vault tier.
type VaultArgs struct {
	Placement
	// TenantID is the Entra tenant that authorizes access (RBAC).
	TenantID string
	// KeyVault is the vault's deletion protection: purge protection (it
	// cannot be turned off later) and the soft-delete retention (7 to 90
	// days) that keeps deleted secrets recoverable.
	config.KeyVault
	// Settings are stored as secrets under their names; the router reads them
	// periodically so operators tune routing without a deploy.
	Settings map[string]pulumi.StringInput
	// RouterWritten are secrets the stack creates with a first value and
	// then leaves to the router, which writes them (a model's rollout
	// secret, where a rollback outlasts restarts): Pulumi ignores their
	// value and tags once created, so no `pulumi up` undoes what the router
	// wrote. Their ids (RouterWrittenIDs) scope the router's grant to write.
	RouterWritten map[string]string
	// PrivateLink, when set, turns public network access off and gives the
	// vault a private endpoint there. The secrets above are still written:
	// they are Azure Resource Manager resources (Microsoft.KeyVault/vaults/secrets),
	// and Key Vault's network rules apply to the data plane only (azure-docs
	// key-vault/general/network-security.md; azure-docs issue 68668).
	PrivateLink *PrivateLink
	// Retain keeps the vault and its secrets in Azure when they leave the
	// program or the stack is destroyed (Pulumi's retainOnDelete). Name the
	// vault with a per-deployment suffix (Naming.WithSuffix): a retained
	// vault, or a deleted one under purge protection, holds its name.
	Retain bool
}

// Vault is the Key Vault holding the router's settings. Access is by Azure
// RBAC only (no access policies), so roles decide who reads what.
type Vault struct {
	pulumi.ResourceState

	// VaultID is the vault's resource id, the scope of its role assignments.
	VaultID pulumi.StringOutput `pulumi:"vaultId"`
	// VaultName is the vault's name.
	VaultName pulumi.StringOutput `pulumi:"vaultName"`
	// VaultURI is the data-plane endpoint the router reads settings from.
	VaultURI pulumi.StringOutput `pulumi:"vaultUri"`
	// SettingNames are the names of the secrets the tier wrote.
	SettingNames pulumi.StringArrayOutput `pulumi:"settingNames"`
	// RouterWrittenIDs are the resource ids of the RouterWritten secrets,
	// by name.
	RouterWrittenIDs map[string]pulumi.StringOutput `pulumi:"-"`
	// Endpoints are the private endpoint's DNS record and its zone's link to
	// the network (none without PrivateLink), for readers of the vault to
	// depend on.
	Endpoints []pulumi.Resource `pulumi:"-"`
}

// NewVault declares the vault and one secret per setting.
func NewVault(ctx *pulumi.Context, name string, args *VaultArgs, opts ...pulumi.ResourceOption) (*Vault, error) {
	comp := &Vault{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:vault:Vault", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)
	data := []pulumi.ResourceOption{child, pulumi.RetainOnDelete(args.Retain)}

	props := &keyvault.VaultPropertiesArgs{
		TenantId:                  pulumi.String(args.TenantID),
		Sku:                       &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
		EnableRbacAuthorization:   pulumi.Bool(true),
		EnableSoftDelete:          pulumi.Bool(true),
		SoftDeleteRetentionInDays: pulumi.Int(args.SoftDeleteDays),
		PublicNetworkAccess:       pulumi.String(publicAccess(args.PrivateLink)),
	}
	if args.PrivateLink != nil {
		// Deny everything public, trusted Azure services included.
		props.NetworkAcls = &keyvault.NetworkRuleSetArgs{DefaultAction: pulumi.String("Deny"), Bypass: pulumi.String("None")}
	}
	// The API accepts only true here: leaving it unset is how "off" is said.
	if args.PurgeProtection {
		props.EnablePurgeProtection = pulumi.Bool(true)
	}
	vault, err := keyvault.NewVault(ctx, name+"-kv", &keyvault.VaultArgs{
		VaultName:         args.Naming.Lasting(HyphenatedName("kv", 24)),
		ResourceGroupName: args.ResourceGroupName,
		Location:          args.Location,
		Properties:        props,
		Tags:              args.Tags,
	}, data...)
	if err != nil {
		return nil, fmt.Errorf("key vault: %w", err)
	}

	if args.PrivateLink != nil {
		resolved, err := privateEndpoint(ctx, name, args.Placement, args.PrivateLink, vault.ID(), GroupVault, child)
		if err != nil {
			return nil, err
		}
		comp.Endpoints = withNew(comp.Endpoints, resolved...)
	}

	secret := func(n string, value pulumi.StringInput, opts ...pulumi.ResourceOption) (*keyvault.Secret, error) {
		s, err := keyvault.NewSecret(ctx, name+"-"+n, &keyvault.SecretArgs{
			SecretName:        pulumi.String(n),
			VaultName:         vault.Name,
			ResourceGroupName: args.ResourceGroupName,
			// Whatever is kept in Key Vault stays secret in Pulumi state too.
			Properties: &keyvault.SecretPropertiesArgs{Value: pulumi.ToSecret(value).(pulumi.StringOutput)},
			Tags:       args.Tags,
		}, append(data, opts...)...)
		if err != nil {
			return nil, fmt.Errorf("key vault secret %s: %w", n, err)
		}
		return s, nil
	}
	names := slices.Sorted(maps.Keys(args.Settings))
	for _, n := range names {
		if _, err := secret(n, args.Settings[n]); err != nil {
			return nil, err
		}
	}
	// A new version the router writes carries neither the stack's value
	// (Azure Resource Manager never returns a secret's value) nor its tags
	// (each version has its own): an update of either would write the first
	// value again over the router's.
	comp.RouterWrittenIDs = map[string]pulumi.StringOutput{}
	for _, n := range slices.Sorted(maps.Keys(args.RouterWritten)) {
		s, err := secret(n, pulumi.String(args.RouterWritten[n]), pulumi.IgnoreChanges([]string{"properties", "tags"}))
		if err != nil {
			return nil, err
		}
		comp.RouterWrittenIDs[n] = s.ID().ToStringOutput()
	}

	comp.VaultID = vault.ID().ToStringOutput()
	comp.VaultName = vault.Name
	comp.VaultURI = vault.Properties.VaultUri()
	comp.SettingNames = pulumi.ToStringArray(names).ToStringArrayOutput()
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"vaultId":      comp.VaultID,
		"vaultName":    comp.VaultName,
		"vaultUri":     comp.VaultURI,
		"settingNames": comp.SettingNames,
	})
}
