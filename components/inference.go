package components

import (
	"fmt"

	app "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20250101"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// InferenceArgs configures the inference tier: the environment the models'
// apps and the router run in.
type InferenceArgs struct {
	Placement
	// WorkspaceID receives the environment's logs through diagnostic settings.
	WorkspaceID pulumi.StringInput
	// GPUs are the serverless GPUs of the models, each declared once as a
	// workload profile (config.GPUType.ProfileName) beside Consumption, in
	// this order.
	GPUs []config.GPUType
	// SubnetID, when set, joins the environment to that subnet (delegated to
	// Microsoft.App/environments). The environment stays external — the
	// router's ingress is public — while the models' ingress stays internal
	// to the environment.
	SubnetID pulumi.StringInput
}

// Inference is the Container Apps environment with the Consumption profile
// and one serverless GPU profile per GPU type the models run on. Adding a
// GPU type updates the environment's profiles in place (README, "A fleet
// of models").
type Inference struct {
	pulumi.ResourceState

	// EnvironmentID is the managed environment's resource id.
	EnvironmentID pulumi.StringOutput `pulumi:"environmentId"`
	// EnvironmentName is the managed environment's name.
	EnvironmentName pulumi.StringOutput `pulumi:"environmentName"`
	// EnvironmentDomain is the environment's default DNS domain.
	EnvironmentDomain pulumi.StringOutput `pulumi:"environmentDomain"`
	// GPUProfileNames are the environment's GPU workload profiles, in the
	// order of GPUs.
	GPUProfileNames pulumi.StringArrayOutput `pulumi:"gpuProfileNames"`
}

// NewInference declares the environment and its log routing.
func NewInference(ctx *pulumi.Context, name string, args *InferenceArgs, opts ...pulumi.ResourceOption) (*Inference, error) {
	comp := &Inference{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:inference:Inference", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)

	profiles := app.WorkloadProfileArray{
		app.WorkloadProfileArgs{Name: pulumi.String("Consumption"), WorkloadProfileType: pulumi.String("Consumption")},
	}
	var profileNames []string
	for _, g := range args.GPUs {
		profiles = append(profiles, app.WorkloadProfileArgs{Name: pulumi.String(g.ProfileName()), WorkloadProfileType: pulumi.String(g.WorkloadProfileType())})
		profileNames = append(profileNames, g.ProfileName())
	}
	env, err := app.NewManagedEnvironment(ctx, name+"-cae", &app.ManagedEnvironmentArgs{
		EnvironmentName:   pulumi.String(args.Naming.Hyphenated("cae")),
		ResourceGroupName: args.ResourceGroupName,
		Location:          args.Location,
		WorkloadProfiles:  profiles,
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

	comp.EnvironmentID = env.ID().ToStringOutput()
	comp.EnvironmentName = env.Name
	comp.EnvironmentDomain = env.DefaultDomain
	comp.GPUProfileNames = pulumi.ToStringArray(profileNames).ToStringArrayOutput()
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"environmentId":     comp.EnvironmentID,
		"environmentName":   comp.EnvironmentName,
		"environmentDomain": comp.EnvironmentDomain,
		"gpuProfileNames":   comp.GPUProfileNames,
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
