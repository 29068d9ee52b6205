package components

import (
	"fmt"
	"strings"

	app "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20250101"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// GPUProfile is the serverless GPU workload profile the inference app runs
// on, and what one replica of it gets.
type GPUProfile struct {
	// Name is the GPU's short name, e.g. "T4"; the environment's profile is
	// called gpu-<name>.
	Name string
	// WorkloadProfileType is the Container Apps profile type, e.g.
	// Consumption-GPU-NC8as-T4.
	WorkloadProfileType string
	// CPU and MemoryGiB are one replica's share: the whole profile, since a
	// replica has exactly one GPU.
	CPU, MemoryGiB float64
}

// InferenceApp is the inference image's HTTP contract and the app's scaling.
type InferenceApp struct {
	// Port the image serves HTTP on; Path its realtime endpoint; HealthPath
	// what the probes ask.
	Port             int
	Path, HealthPath string
	// MinReplicas 0 lets the app scale to zero; MaxReplicas bounds it (one
	// GPU each).
	MinReplicas, MaxReplicas int
	// Concurrency is the requests per replica before the HTTP rule adds one.
	Concurrency int
	// CooldownSeconds without traffic before the app scales in.
	CooldownSeconds int
}

// InferenceArgs configures the inference tier.
type InferenceArgs struct {
	Placement
	// WorkspaceID receives the environment's logs through diagnostic settings.
	WorkspaceID pulumi.StringInput
	// GPU is the serverless GPU profile of the app.
	GPU GPUProfile
	// App is the inference app's scale, port and paths.
	App InferenceApp
	// Image is the inference image reference.
	Image pulumi.StringInput
	// RegistryServer is the registry Image is pulled from with PullIdentityID.
	RegistryServer pulumi.StringInput
	// PullIdentityID is the user-assigned identity (resource id) the app pulls as.
	PullIdentityID pulumi.StringInput
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
	gpuProfile := "gpu-" + strings.ToLower(args.GPU.Name)

	env, err := app.NewManagedEnvironment(ctx, name+"-cae", &app.ManagedEnvironmentArgs{
		EnvironmentName:   pulumi.String(args.Naming.Hyphenated("cae")),
		ResourceGroupName: args.ResourceGroupName,
		Location:          args.Location,
		WorkloadProfiles: app.WorkloadProfileArray{
			app.WorkloadProfileArgs{Name: pulumi.String("Consumption"), WorkloadProfileType: pulumi.String("Consumption")},
			app.WorkloadProfileArgs{Name: pulumi.String(gpuProfile), WorkloadProfileType: pulumi.String(args.GPU.WorkloadProfileType)},
		},
		// Logs go to Azure Monitor and from there, through the diagnostic
		// setting below, to the workspace: no workspace key in the config.
		AppLogsConfiguration: &app.AppLogsConfigurationArgs{Destination: pulumi.String("azure-monitor")},
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
	inference, err := app.NewContainerApp(ctx, name+"-app", &app.ContainerAppArgs{
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
					Resources: &app.ContainerResourcesArgs{Cpu: pulumi.Float64(args.GPU.CPU), Memory: pulumi.Sprintf("%gGi", args.GPU.MemoryGiB)},
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
	}, child)
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
