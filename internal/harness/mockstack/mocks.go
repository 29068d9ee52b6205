package mockstack

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Fixed identities of the mocked deploying client.
const (
	SubscriptionID = "00000000-0000-0000-0000-000000000000"
	TenantID       = "11111111-1111-1111-1111-111111111111"
)

// recorder is the mock monitor: it records every registration and answers
// with the inputs plus the few computed outputs the program reads.
type recorder struct {
	mu        sync.Mutex
	resources []Resource
	// stacks are the outputs of the other stacks a StackReference may read
	// (WithStackOutputs), by the name it gives.
	stacks map[string]map[string]Output
	// build tells image builds apart: the same Dockerfile built again
	// after a change pushes a new digest.
	build string
}

func (r *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	res := Resource{
		Type:   args.TypeToken,
		Name:   args.Name,
		Custom: args.Custom,
		Inputs: args.Inputs.Copy(),
	}
	if rpc := args.RegisterRPC; rpc != nil {
		res.Parent = rpc.GetParent()
		res.ProviderVersion = rpc.GetVersion()
		res.Dependencies = rpc.GetDependencies()
		if pd := rpc.GetPropertyDependencies(); len(pd) > 0 {
			res.PropertyDependencies = map[string][]string{}
			for k, v := range pd {
				res.PropertyDependencies[k] = v.GetUrns()
			}
		}
		res.IgnoreChanges = rpc.GetIgnoreChanges()
		res.RetainOnDelete, res.Protect = rpc.GetRetainOnDelete(), rpc.GetProtect()
		for _, a := range rpc.GetAliases() {
			if spec := a.GetSpec(); spec != nil {
				res.Aliases = append(res.Aliases, Alias{Name: spec.GetName(), Type: spec.GetType(), Parent: spec.GetParentUrn(), NoParent: spec.GetNoParent()})
			} else if urn := a.GetUrn(); urn != "" {
				res.Aliases = append(res.Aliases, Alias{URN: urn})
			}
		}
	}
	if args.TypeToken == StackReferenceType {
		r.record(res)
		return r.stackReference(args.Name)
	}
	if !args.Custom {
		r.record(res)
		return "", resource.PropertyMap{}, nil
	}
	id, state := Provision(args.TypeToken, args.Name, args.Inputs, r.build)
	r.record(res)
	return id, state, nil
}

// Provision is what the mocked cloud answers when a custom resource of type
// typ with the logical name and inputs is created: its ARM-shaped id and its
// state (the inputs, its Azure name, and the computed outputs the program
// reads). The engine tests' fake provider answers with the same values, so
// the mocked and the engine-run stack see one cloud.
func Provision(typ, logicalName string, inputs resource.PropertyMap, build string) (string, resource.PropertyMap) {
	state := inputs.Copy()
	azureName := physicalName(typ, logicalName, inputs)
	state["name"] = resource.NewProperty(azureName)
	for k, v := range computedOutputs(typ, azureName, inputs, build) {
		state[k] = v
	}
	return armID(typ, azureName, inputs), state
}

func (r *recorder) record(res Resource) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resources = append(r.resources, res)
}

func (r *recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return Answer(args.Token)
}

// Answer is the mocked cloud's result of the invoke token: the deploying
// client's identity and the registry's admin credentials.
func Answer(token string) (resource.PropertyMap, error) {
	switch token {
	case "azure-native:authorization:getClientConfig":
		return resource.NewPropertyMapFromMap(map[string]any{
			"subscriptionId": SubscriptionID,
			"tenantId":       TenantID,
			"clientId":       "22222222-2222-2222-2222-222222222222",
			"objectId":       "33333333-3333-3333-3333-333333333333",
		}), nil
	case "azure-native:containerregistry:listRegistryCredentials":
		return resource.NewPropertyMapFromMap(map[string]any{
			"username":  "mock-admin",
			"passwords": []any{map[string]any{"name": "password", "value": "mock-registry-password"}},
		}), nil
	}
	return nil, fmt.Errorf("mockstack: no mock for invoke %s", token)
}

// PrincipalID and ClientID are the mocked ids of an identity named name.
func PrincipalID(name string) string { return fakeGUID("principal/" + name) }
func ClientID(name string) string    { return fakeGUID("client/" + name) }

// APIKey is the mocked value of a random password with the logical name.
func APIKey(name string) string { return "mock-api-key-" + fakeGUID(name) }

// RandomString is the mocked result of a random string: lower-case letters
// and digits of the requested length, derived from the logical name and
// every input (keepers included), so it differs wherever the keepers do —
// as a new random value would in Azure.
func RandomString(name string, inputs resource.PropertyMap) string {
	n := 8
	if v, ok := inputs["length"]; ok && v.IsNumber() {
		n = int(v.NumberValue())
	}
	seed := name + "\x00" + fmt.Sprint(inputs.Mappable())
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 0, n)
	for i := 0; len(out) < n; i++ {
		for _, b := range sha256.Sum256([]byte(fmt.Sprintf("%s/%d", seed, i))) {
			if len(out) == n {
				break
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
		}
	}
	return string(out)
}

// RepoDigest is the mocked digest reference of a pushed image name.
func RepoDigest(image string) string { return RepoDigestOfBuild(image, "") }

// RepoDigestOfBuild is the digest the image name gets in a given build
// (WithImageBuild); the default build is "".
func RepoDigestOfBuild(image, build string) string {
	repo := strings.SplitN(image, ":", 2)[0]
	if build == "" {
		return repo + "@sha256:" + Sha256Hex(image)
	}
	return repo + "@sha256:" + Sha256Hex(image+"\x00"+build)
}

// Sha256Hex is the lower-case hex SHA-256 of s.
func Sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// fakeGUID is a stable GUID-shaped value for computed identifiers.
func fakeGUID(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// armID shapes ids like ARM's, so scopes built from them read naturally:
// resource groups by name, everything else under its group with the type
// token in place of the provider namespace.
func armID(typ, name string, inputs resource.PropertyMap) string {
	if typ == "azure-native:resources:ResourceGroup" {
		return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", SubscriptionID, name)
	}
	rg := "unknown-rg"
	if v, ok := inputs["resourceGroupName"]; ok && v.IsString() {
		rg = v.StringValue()
	}
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s", SubscriptionID, rg, typ, name)
}

// nameKeys maps types to the input that carries their Azure name, where it
// is not "<lowerCamelType>Name".
var nameKeys = map[string]string{
	"azure-native:storage:StorageAccount":               "accountName",
	"azure-native:storage:BlobContainer":                "containerName",
	"azure-native:batch:BatchAccount":                   "accountName",
	"azure-native:app:ManagedEnvironment":               "environmentName",
	"azure-native:insights:MetricAlert":                 "ruleName",
	"azure-native:insights:ScheduledQueryRule":          "ruleName",
	"azure-native:insights:Workbook":                    "resourceName",
	"azure-native:insights:DiagnosticSetting":           "name",
	"azure-native:managedidentity:UserAssignedIdentity": "resourceName",
	"azure-native:authorization:RoleAssignment":         "roleAssignmentName",
	"azure-native:containerregistry:Registry":           "registryName",
	"azure-native:operationalinsights:Workspace":        "workspaceName",
	"azure-native:resources:ResourceGroup":              "resourceGroupName",
	"azure-native:app/v20250101:ManagedEnvironment":     "environmentName",
	"azure-native:app/v20250101:ContainerApp":           "containerAppName",
	"azure-native:cdn:AFDEndpoint":                      "endpointName",
	"azure-native:cdn:AFDOriginGroup":                   "originGroupName",
	"azure-native:cdn:AFDOrigin":                        "originName",
}

// AzureName is the Azure name the resource's inputs give it, and the input
// that carries it; ok is false when the type names nothing or the name is
// not known before deployment.
func (r Resource) AzureName() (key, name string, ok bool) {
	key = NameKey(r.Type)
	if v := r.Input(key); v.IsString() {
		return key, v.StringValue(), true
	}
	return key, "", false
}

// NameKey is the input that carries the Azure name of a resource of typ.
func NameKey(typ string) string {
	if key, ok := nameKeys[typ]; ok {
		return key
	}
	parts := strings.Split(typ, ":")
	t := parts[len(parts)-1]
	return strings.ToLower(t[:1]) + t[1:] + "Name"
}

func physicalName(typ, logical string, inputs resource.PropertyMap) string {
	if v, ok := inputs[resource.PropertyKey(NameKey(typ))]; ok && v.IsString() {
		return v.StringValue()
	}
	return logical
}

// computedOutputs are the provider-computed values the program reads, shaped
// as the azure-native provider returns them.
func computedOutputs(typ, name string, inputs resource.PropertyMap, build string) resource.PropertyMap {
	out := resource.PropertyMap{}
	switch typ {
	case "azure-native:storage:StorageAccount":
		out["primaryEndpoints"] = resource.NewProperty(resource.NewPropertyMapFromMap(map[string]any{
			"blob":  "https://" + name + ".blob.core.windows.net/",
			"queue": "https://" + name + ".queue.core.windows.net/",
		}))
	case "azure-native:keyvault:Vault":
		props := resource.PropertyMap{}
		if p, ok := inputs["properties"]; ok && p.IsObject() {
			props = p.ObjectValue().Copy()
		}
		props["vaultUri"] = resource.NewProperty("https://" + name + ".vault.azure.net/")
		out["properties"] = resource.NewProperty(props)
	case "azure-native:operationalinsights:Workspace":
		out["customerId"] = resource.NewProperty("44444444-4444-4444-4444-444444444444")
	case "azure-native:managedidentity:UserAssignedIdentity":
		out["principalId"] = resource.NewProperty(PrincipalID(name))
		out["clientId"] = resource.NewProperty(ClientID(name))
		out["tenantId"] = resource.NewProperty(TenantID)
	case "azure-native:containerregistry:Registry":
		out["loginServer"] = resource.NewProperty(name + ".azurecr.io")
	case "azure-native:app/v20250101:ManagedEnvironment":
		out["defaultDomain"] = resource.NewProperty("kindstone-1a2b3c4d.westus3.azurecontainerapps.io")
	case "azure-native:batch:BatchAccount":
		loc := "westus3"
		if v, ok := inputs["location"]; ok && v.IsString() {
			loc = v.StringValue()
		}
		out["accountEndpoint"] = resource.NewProperty(name + "." + loc + ".batch.azure.com")
		out["provisioningState"] = resource.NewProperty("Succeeded")
	case "azure-native:cdn:Profile":
		out["frontDoorId"] = resource.NewProperty(fakeGUID("frontdoor/" + name))
	case "azure-native:cdn:AFDEndpoint":
		// Azure appends a hash of the tenant to the endpoint's name
		// (autoGeneratedDomainNameLabelScope TenantReuse).
		out["hostName"] = resource.NewProperty(name + "-" + Sha256Hex(name)[:16] + ".z01.azurefd.net")
	case "azure-native:batch:Pool":
		out["allocationState"] = resource.NewProperty("Steady")
		out["provisioningState"] = resource.NewProperty("Succeeded")
	case "random:index/randomPassword:RandomPassword":
		out["result"] = resource.MakeSecret(resource.NewProperty(APIKey(name)))
	case "random:index/randomString:RandomString":
		out["result"] = resource.NewProperty(RandomString(name, inputs))
	case "docker:index/image:Image":
		image := ""
		if v, ok := inputs["imageName"]; ok && v.IsString() {
			image = v.StringValue()
		}
		out["repoDigest"] = resource.NewProperty(RepoDigestOfBuild(image, build))
	}
	return out
}

// StackReferenceType is the type token of a StackReference.
const StackReferenceType = "pulumi:pulumi:StackReference"

// stackReference answers a StackReference to the named stack as the engine
// does: its outputs, and which of them are secret.
func (r *recorder) stackReference(name string) (string, resource.PropertyMap, error) {
	outs, ok := r.stacks[name]
	if !ok {
		return "", nil, fmt.Errorf("mockstack: the program reads stack %q through a StackReference, and this offline run has no outputs of it (WithStackOutputs)", name)
	}
	values := resource.PropertyMap{}
	var secret []resource.PropertyValue
	for k, o := range outs {
		v := resource.NewPropertyValue(o.Value)
		if o.Secret {
			v = resource.MakeSecret(v)
			secret = append(secret, resource.NewProperty(k))
		}
		values[resource.PropertyKey(k)] = v
	}
	return name, resource.PropertyMap{
		"name":              resource.NewProperty(name),
		"outputs":           resource.NewProperty(values),
		"secretOutputNames": resource.NewProperty(secret),
	}, nil
}
