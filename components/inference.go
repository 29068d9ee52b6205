package components

import (
	"fmt"
	"strings"

	app "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20250101"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// InferenceArgs configures the inference tier.
type InferenceArgs struct {
	Placement
	// WorkspaceID receives the environment's logs through diagnostic settings.
	WorkspaceID pulumi.StringInput
	// GPU is the serverless GPU of the app; one replica gets its whole
	// workload profile (config.GPUType's catalog).
	GPU config.GPUType
	// App is the inference app's scale, port and paths (App.Image is the
	// stack's setting; Image below is the reference the app runs).
	App config.Inference
	// Image is the inference image reference.
	Image pulumi.StringInput
	// RegistryServer is the registry Image is pulled from with PullIdentityID.
	RegistryServer pulumi.StringInput
	// PullIdentityID is the user-assigned identity (resource id) the app pulls as.
	PullIdentityID pulumi.StringInput
	// SubnetID, when set, joins the environment to that subnet (delegated to
	// Microsoft.App/environments). The environment stays external — the
	// router's ingress is public — while the inference app's ingress stays
	// internal to the environment.
	SubnetID pulumi.StringInput
	// AppDependsOn are what the app needs before its first revision starts,
	// e.g. the registry's private endpoint it pulls through (its DNS record
	// and zone link).
	AppDependsOn []pulumi.Resource
}

// Inference is the Container Apps environment, with the Consumption profile
// and one serverless GPU profile, and the inference app on that GPU profile,
// reachable only from inside the environment and scaled to zero when idle.
type Inference struct {
	pulumi.ResourceState

	// EnvironmentID is the managed environment's resource id.
	EnvironmentID pulumi.StringOutput `pulumi:"environmentId"`
	// EnvironmentName is the managed environment's name.
	EnvironmentName pulumi.StringOutput `pulumi:"environmentName"`
	// EnvironmentDomain is the environment's default DNS domain.
	EnvironmentDomain pulumi.StringOutput `pulumi:"environmentDomain"`
	// GPUProfileName is the environment's GPU workload profile name.
	GPUProfileName pulumi.StringOutput `pulumi:"gpuProfileName"`
	// AppID is the inference app's resource id.
	AppID pulumi.StringOutput `pulumi:"appId"`
	// AppName is the inference app's name.
	AppName pulumi.StringOutput `pulumi:"appName"`
	// InternalURL is how apps in the environment reach the inference app.
	InternalURL pulumi.StringOutput `pulumi:"internalUrl"`
}

// NewInference declares the environment, its log routing and the GPU app.
func NewInference(ctx *pulumi.Context, name string, args *InferenceArgs, opts ...pulumi.ResourceOption) (*Inference, error) {
	comp := &Inference{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:inference:Inference", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)
	gpuProfile := "gpu-" + strings.ToLower(string(args.GPU))

	env, err := app.NewManagedEnvironment(ctx, name+"-cae", &app.ManagedEnvironmentArgs{
		EnvironmentName:   pulumi.String(args.Naming.Hyphenated("cae")),
		ResourceGroupName: args.ResourceGroupName,
		Location:          args.Location,
		WorkloadProfiles: app.WorkloadProfileArray{
			app.WorkloadProfileArgs{Name: pulumi.String("Consumption"), WorkloadProfileType: pulumi.String("Consumption")},
			app.WorkloadProfileArgs{Name: pulumi.String(gpuProfile), WorkloadProfileType: pulumi.String(args.GPU.WorkloadProfileType())},
		},
		// Logs go to Azure Monitor and from there, through the diagnostic
		// setting below, to the workspace: no workspace key in the config.
		AppLogsConfiguration: &app.AppLogsConfigurationArgs{Destination: pulumi.String("azure-monitor")},
		VnetConfiguration:    environmentNetwork(args.SubnetID),
		Tags:                 args.Tags,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("container apps environment: %w", err)
	}
	if _, err := insights.NewDiagnosticSetting(ctx, name+"-cae-logs", &insights.DiagnosticSettingArgs{
		Name:                        pulumi.String("to-log-analytics"),
		ResourceUri:                 env.ID(),
		WorkspaceId:                 args.WorkspaceID,
		LogAnalyticsDestinationType: pulumi.String("Dedicated"),
		Logs: insights.LogSettingsArray{
			insights.LogSettingsArgs{CategoryGroup: pulumi.String("allLogs"), Enabled: pulumi.Bool(true)},
		},
		Metrics: insights.MetricSettingsArray{
			insights.MetricSettingsArgs{Category: pulumi.String("AllMetrics"), Enabled: pulumi.Bool(true)},
		},
	}, child); err != nil {
		return nil, fmt.Errorf("environment diagnostic setting: %w", err)
	}

	in := args.App
	probe := func(kind string, initial, period, timeout, failures int) app.ContainerAppProbeArgs {
		return app.ContainerAppProbeArgs{
			Type:                pulumi.String(kind),
			HttpGet:             &app.ContainerAppProbeHttpGetArgs{Path: pulumi.String(in.HealthPath), Port: pulumi.Int(in.Port), Scheme: pulumi.String("HTTP")},
			InitialDelaySeconds: pulumi.Int(initial),
			PeriodSeconds:       pulumi.Int(period),
			TimeoutSeconds:      pulumi.Int(timeout),
			FailureThreshold:    pulumi.Int(failures),
		}
	}
	appName := args.Naming.Hyphenated("ca") + "-inference"
	inference, err := newContainerApp(ctx, name+"-app", &app.ContainerAppArgs{
		ContainerAppName:     pulumi.String(appName),
		ResourceGroupName:    args.ResourceGroupName,
		Location:             args.Location,
		ManagedEnvironmentId: env.ID(),
		WorkloadProfileName:  pulumi.String(gpuProfile),
		Identity: &app.ManagedServiceIdentityArgs{
			Type:                   pulumi.String("UserAssigned"),
			UserAssignedIdentities: pulumi.StringArray{args.PullIdentityID},
		},
		Configuration: &app.ConfigurationArgs{
			ActiveRevisionsMode: pulumi.String("Single"),
			Ingress: &app.IngressArgs{
				// Internal: only apps in the environment (the router) reach it.
				External:      pulumi.Bool(false),
				TargetPort:    pulumi.Int(in.Port),
				Transport:     pulumi.String("http"),
				AllowInsecure: pulumi.Bool(false),
			},
			Registries: app.RegistryCredentialsArray{
				app.RegistryCredentialsArgs{Server: args.RegistryServer, Identity: args.PullIdentityID},
			},
		},
		Template: &app.TemplateArgs{
			Containers: app.ContainerArray{
				app.ContainerArgs{
					// The first container is the one that gets the GPU.
					Name:      pulumi.String("model"),
					Image:     args.Image,
					Resources: &app.ContainerResourcesArgs{Cpu: pulumi.Float64(args.GPU.ReplicaCPU()), Memory: pulumi.Sprintf("%gGi", args.GPU.ReplicaMemoryGiB())},
					// The reference model's variables; other images may ignore them.
					Env: app.EnvironmentVarArray{
						app.EnvironmentVarArgs{Name: pulumi.String("PORT"), Value: pulumi.Sprintf("%d", in.Port)},
						app.EnvironmentVarArgs{Name: pulumi.String("INFER_PATH"), Value: pulumi.String(in.Path)},
					},
					// Container Apps bounds: initial delay 0–60 s, period 1–240 s,
					// failure threshold 1–10 (azure-docs container-apps/health-probes.md).
					// Startup allows 60 + 10×30 s for image pull and model load.
					Probes: app.ContainerAppProbeArray{
						probe("Startup", 60, 30, 5, 10),
						probe("Liveness", 0, 30, 5, 3),
						probe("Readiness", 0, 10, 5, 3),
					},
				},
			},
			Scale: &app.ScaleArgs{
				MinReplicas:    pulumi.Int(in.MinReplicas),
				MaxReplicas:    pulumi.Int(in.MaxReplicas),
				CooldownPeriod: pulumi.Int(in.CooldownSeconds),
				Rules: app.ScaleRuleArray{
					app.ScaleRuleArgs{
						Name: pulumi.String("http-concurrency"),
						Http: &app.HttpScaleRuleArgs{Metadata: pulumi.StringMap{
							"concurrentRequests": pulumi.Sprintf("%d", in.Concurrency),
						}},
					},
				},
			},
		},
		Tags: args.Tags,
	}, child, pulumi.DependsOn(args.AppDependsOn))
	if err != nil {
		return nil, fmt.Errorf("inference container app: %w", err)
	}

	comp.EnvironmentID = env.ID().ToStringOutput()
	comp.EnvironmentName = env.Name
	comp.EnvironmentDomain = env.DefaultDomain
	comp.GPUProfileName = pulumi.String(gpuProfile).ToStringOutput()
	comp.AppID = inference.ID().ToStringOutput()
	comp.AppName = inference.Name
	// Internal ingress FQDN: <app>.internal.<environment default domain>.
	comp.InternalURL = pulumi.Sprintf("https://%s.internal.%s", inference.Name, env.DefaultDomain)
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"environmentId":     comp.EnvironmentID,
		"environmentName":   comp.EnvironmentName,
		"environmentDomain": comp.EnvironmentDomain,
		"gpuProfileName":    comp.GPUProfileName,
		"appId":             comp.AppID,
		"appName":           comp.AppName,
		"internalUrl":       comp.InternalURL,
	})
}

// environmentNetwork joins the environment to subnetID, or leaves it on the
// network Azure generates (nil). Internal false keeps the environment's
// public ingress endpoint for the router's external ingress (azure-docs
// container-apps/networking.md, "Accessibility level").
func environmentNetwork(subnetID pulumi.StringInput) app.VnetConfigurationPtrInput {
	if subnetID == nil {
		return nil
	}
	return &app.VnetConfigurationArgs{InfrastructureSubnetId: subnetID, Internal: pulumi.Bool(false)}
}
