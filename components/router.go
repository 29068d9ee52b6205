package components

import (
	"fmt"
	"maps"
	"slices"

	app "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20250101"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// RouterPort is the port the router image listens on (router/Dockerfile).
const RouterPort = 8080

// RouterArgs configures the router tier.
type RouterArgs struct {
	Placement
	// EnvironmentID and EnvironmentDomain are the Container Apps environment
	// shared with the inference app.
	EnvironmentID     pulumi.StringInput
	EnvironmentDomain pulumi.StringInput
	// Image is the router image reference (a digest, so each build rolls a revision).
	Image pulumi.StringInput
	// RegistryServer is the registry Image is pulled from.
	RegistryServer pulumi.StringInput
	// IdentityID is the router's user-assigned identity (its client id goes
	// in Env as AZURE_CLIENT_ID).
	IdentityID pulumi.StringInput
	// MaxReplicas bounds the app; it always keeps one replica.
	MaxReplicas int
	// Env is the router's configuration: endpoints and names only.
	Env map[string]pulumi.StringInput
	// DependsOn are what the app needs before its first revision starts,
	// e.g. the private endpoints it reaches the registry, Key Vault, storage
	// and Batch through.
	DependsOn []pulumi.Resource
}

// Router is the public entry point: an external HTTPS-only Container App on
// the Consumption profile that decides each request's route.
type Router struct {
	pulumi.ResourceState

	// AppID is the router app's resource id.
	AppID pulumi.StringOutput `pulumi:"appId"`
	// AppName is the router app's name.
	AppName pulumi.StringOutput `pulumi:"appName"`
	// URL is the router's public HTTPS address.
	URL pulumi.StringOutput `pulumi:"url"`
}

// NewRouter declares the router app.
func NewRouter(ctx *pulumi.Context, name string, args *RouterArgs, opts ...pulumi.ResourceOption) (*Router, error) {
	comp := &Router{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:router:Router", name, comp, opts...); err != nil {
		return nil, err
	}

	env := app.EnvironmentVarArray{}
	for _, k := range slices.Sorted(maps.Keys(args.Env)) {
		env = append(env, app.EnvironmentVarArgs{Name: pulumi.String(k), Value: args.Env[k]})
	}
	probe := func(kind, path string, period, failures int) app.ContainerAppProbeArgs {
		return app.ContainerAppProbeArgs{
			Type:             pulumi.String(kind),
			HttpGet:          &app.ContainerAppProbeHttpGetArgs{Path: pulumi.String(path), Port: pulumi.Int(RouterPort), Scheme: pulumi.String("HTTP")},
			PeriodSeconds:    pulumi.Int(period),
			TimeoutSeconds:   pulumi.Int(3),
			FailureThreshold: pulumi.Int(failures),
		}
	}
	router, err := newContainerApp(ctx, name+"-app", &app.ContainerAppArgs{
		ContainerAppName:     pulumi.String(args.Naming.Hyphenated("ca") + "-router"),
		ResourceGroupName:    args.ResourceGroupName,
		Location:             args.Location,
		ManagedEnvironmentId: args.EnvironmentID,
		WorkloadProfileName:  pulumi.String("Consumption"),
		Identity: &app.ManagedServiceIdentityArgs{
			Type:                   pulumi.String("UserAssigned"),
			UserAssignedIdentities: pulumi.StringArray{args.IdentityID},
		},
		Configuration: &app.ConfigurationArgs{
			ActiveRevisionsMode: pulumi.String("Single"),
			Ingress: &app.IngressArgs{
				External:   pulumi.Bool(true),
				TargetPort: pulumi.Int(RouterPort),
				Transport:  pulumi.String("http"),
				// HTTPS only: plain HTTP is redirected, never served.
				AllowInsecure: pulumi.Bool(false),
			},
			Registries: app.RegistryCredentialsArray{
				app.RegistryCredentialsArgs{Server: args.RegistryServer, Identity: args.IdentityID},
			},
		},
		Template: &app.TemplateArgs{
			Containers: app.ContainerArray{
				app.ContainerArgs{
					Name:      pulumi.String("router"),
					Image:     args.Image,
					Resources: &app.ContainerResourcesArgs{Cpu: pulumi.Float64(0.5), Memory: pulumi.String("1Gi")},
					Env:       env,
					Probes: app.ContainerAppProbeArray{
						probe("Liveness", routerconfig.PathHealth, 10, 3),
						probe("Readiness", routerconfig.PathReady, 5, 3),
					},
				},
			},
			Scale: &app.ScaleArgs{
				// One replica always: it holds the live state and the dispatcher.
				MinReplicas: pulumi.Int(1),
				MaxReplicas: pulumi.Int(args.MaxReplicas),
				Rules: app.ScaleRuleArray{
					app.ScaleRuleArgs{
						Name: pulumi.String("http-concurrency"),
						Http: &app.HttpScaleRuleArgs{Metadata: pulumi.StringMap{"concurrentRequests": pulumi.String("100")}},
					},
				},
			},
			// In-flight requests finish on scale-in or a new revision.
			TerminationGracePeriodSeconds: pulumi.Float64(60),
		},
		Tags: args.Tags,
	}, pulumi.Parent(comp), pulumi.DependsOn(args.DependsOn))
	if err != nil {
		return nil, fmt.Errorf("router container app: %w", err)
	}

	comp.AppID = router.ID().ToStringOutput()
	comp.AppName = router.Name
	// External ingress FQDN: <app>.<environment default domain>.
	comp.URL = pulumi.Sprintf("https://%s.%s", router.Name, args.EnvironmentDomain)
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"appId":   comp.AppID,
		"appName": comp.AppName,
		"url":     comp.URL,
	})
}
