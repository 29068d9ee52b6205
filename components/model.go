package components

import (
	"fmt"

	app "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20250101"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components/binding/managedidentity"
	"github.com/gpu-orchestration/gpu-orchestration/components/config"
)

// ModelDeploymentArgs configures one model of the fleet.
type ModelDeploymentArgs struct {
	Placement
	// Model is the model's configuration: name, GPU, scale, image contract.
	config.Model
	// Default marks the stack's default model (the first): its resources
	// keep the names a single-model stack gave them.
	Default bool
	// MovedFrom, for the default model, says where its resources were
	// declared before models were components; they answer to those URNs too
	// (Pulumi aliases), so an existing stack moves to the fleet without
	// replacing its app, identity, grant or alerts.
	MovedFrom *MovedFrom
	// EnvironmentID and EnvironmentDomain are the Container Apps environment
	// whose GPU profile (Model.GPU.ProfileName) the app is pinned to.
	EnvironmentID, EnvironmentDomain pulumi.StringInput
	// Image is the reference the app and the model's Batch tasks run;
	// CanaryImages are its canaries', in the order of Model.Canaries().
	Image        pulumi.StringInput
	CanaryImages []pulumi.StringInput
	// RegistryServer and RegistryID are where Image is pulled from, as the
	// model's own identity with AcrPull on the registry.
	RegistryServer, RegistryID pulumi.StringInput
	// SubscriptionID scopes the role definition of the grant.
	SubscriptionID string
	// ActionGroupID is notified by the model's alerts.
	ActionGroupID pulumi.StringInput
	// AppDependsOn are what the app needs before its first revision starts,
	// e.g. the registry's private endpoint it pulls through.
	AppDependsOn []pulumi.Resource
}

// MovedFrom are the parents a single-model stack declared the default
// model's resources under: the platform (identity, grant), the inference
// tier (the app) and the platform's alerts (the app's alerts).
type MovedFrom struct {
	Platform  pulumi.Resource
	Inference pulumi.Resource
	// AlertsName is the logical name of the platform's alerts component.
	AlertsName string
}

// ModelDeployment is one model of the fleet: its GPU app on its GPU's
// serverless profile, reachable only inside the environment and scaled to
// zero when idle, the identity the app pulls its image as with the one role
// that needs, its alerts, and its workbook tiles. Its batch work runs on the
// pool of its GPU type (Batch), each task naming Image.
type ModelDeployment struct {
	pulumi.ResourceState

	// AppID and AppName are the GPU app's resource id and name.
	AppID   pulumi.StringOutput `pulumi:"appId"`
	AppName pulumi.StringOutput `pulumi:"appName"`
	// InternalURL is how apps in the environment (the router) reach it.
	InternalURL pulumi.StringOutput `pulumi:"internalUrl"`
	// Image is the reference its app and its Batch tasks run.
	Image pulumi.StringOutput `pulumi:"image"`
	// IdentityID is the resource id of the identity the app pulls as.
	IdentityID pulumi.StringOutput `pulumi:"identityId"`
	// AlertNames are its alert rules.
	AlertNames pulumi.StringArrayOutput `pulumi:"alertNames"`
	// Model is the configuration it was declared from.
	Model config.Model `pulumi:"-"`
	// Tiles are its charts for the operator workbook.
	Tiles []WorkbookTile `pulumi:"-"`
	// Canaries are the apps of its canary revisions (canary.go); the
	// stable revision is the model's app.
	Canaries []CanaryApp `pulumi:"-"`
}

// modelNames are a model's resources' names. The default model keeps those
// a single-model stack gave its inference app; every other model's carry its
// key.
type modelNames struct {
	component string // the ModelDeployment's logical name
	workload  string // the last part of Azure names: "inference" or the key
	identity  string // logical names
	grant     string
	app       string
	alerts    string // prefix of the alerts' logical names
}

func namesOf(platform string, m config.Model, isDefault bool) modelNames {
	n := modelNames{component: platform + "-model-" + m.Key}
	if isDefault {
		n.workload = "inference"
		n.identity, n.grant, n.app, n.alerts = platform+"-id-inference", "inference-acrpull-registry", platform+"-inference-app", platform+"-alerts"
		return n
	}
	n.workload = m.Key
	n.identity, n.grant, n.app, n.alerts = n.component+"-id", "model-"+m.Key+"-acrpull-registry", n.component+"-app", platform+"-model"
	return n
}

// NewModelDeployment declares the model's identity and its grant, then the
// app after the grant, then the app's alerts, then its canary revisions'
// apps. name is the platform's name: the model's resources are named from
// it and the model's key.
func NewModelDeployment(ctx *pulumi.Context, name string, args *ModelDeploymentArgs, opts ...pulumi.ResourceOption) (*ModelDeployment, error) {
	names := namesOf(name, args.Model, args.Default)
	comp := &ModelDeployment{Model: args.Model}
	if err := ctx.RegisterComponentResource("gpu-orchestration:model:ModelDeployment", names.component, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)
	moved := args.MovedFrom.aliases(name)

	id, err := managedidentity.NewUserAssignedIdentity(ctx, names.identity, &managedidentity.UserAssignedIdentityArgs{
		ResourceName:      pulumi.String(args.Naming.Hyphenated("id") + "-" + names.workload),
		ResourceGroupName: args.ResourceGroupName,
		Location:          args.Location,
		Tags:              args.Tags,
	}, child, moved.platform)
	if err != nil {
		return nil, fmt.Errorf("model %s identity: %w", args.Name, err)
	}
	grants, err := assignRoles(ctx, args.SubscriptionID, []grant{
		{names.grant, id.PrincipalId, RoleAcrPull, args.RegistryID},
	}, child, moved.platform)
	if err != nil {
		return nil, err
	}
	identityID := id.ID().ToStringOutput()

	a, err := newContainerApp(ctx, names.app, gpuAppArgs(args, args.Naming.Hyphenated("ca")+"-"+names.workload, args.Image, identityID),
		child, moved.inference, pulumi.DependsOn(append(grants, args.AppDependsOn...)))
	if err != nil {
		return nil, fmt.Errorf("model %s container app: %w", args.Name, err)
	}
	appID := a.ID().ToStringOutput()

	alerts, err := declareAlerts(ctx, names.alerts, args.Placement, args.ActionGroupID, modelAlerts(names.workload, args.Name, appID, args.App.MaxReplicas), child, moved.alerts)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", args.Name, err)
	}

	canaries, err := newCanaries(ctx, names.component, args, child)
	if err != nil {
		return nil, err
	}

	comp.AppID, comp.AppName = appID, a.Name
	// Internal ingress FQDN: <app>.internal.<environment default domain>.
	comp.InternalURL = pulumi.Sprintf("https://%s.internal.%s", a.Name, args.EnvironmentDomain)
	comp.Image = args.Image.ToStringOutput()
	comp.IdentityID = identityID
	comp.AlertNames = pulumi.ToStringArray(alerts).ToStringArrayOutput()
	comp.Tiles = modelTiles(args.Model, appID)
	comp.Canaries = canaries
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"appId":       comp.AppID,
		"appName":     comp.AppName,
		"internalUrl": comp.InternalURL,
		"image":       comp.Image,
		"identityId":  comp.IdentityID,
		"alertNames":  comp.AlertNames,
	})
}

// gpuAppArgs are a GPU app of the model named appName, running image as
// the identity identityID: pinned to the model's GPU profile, reachable
// only inside the environment, scaled by concurrent requests to zero. The
// model's app serves its stable revision; each canary's app is the same
// but for its name, image and identity.
func gpuAppArgs(args *ModelDeploymentArgs, appName string, image pulumi.StringInput, identityID pulumi.StringOutput) *app.ContainerAppArgs {
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
	gpu := args.GPU
	return &app.ContainerAppArgs{
		ContainerAppName:     pulumi.String(appName),
		ResourceGroupName:    args.ResourceGroupName,
		Location:             args.Location,
		ManagedEnvironmentId: args.EnvironmentID,
		WorkloadProfileName:  pulumi.String(gpu.ProfileName()),
		Identity: &app.ManagedServiceIdentityArgs{
			Type:                   pulumi.String("UserAssigned"),
			UserAssignedIdentities: pulumi.StringArray{identityID},
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
				app.RegistryCredentialsArgs{Server: args.RegistryServer, Identity: identityID},
			},
		},
		Template: &app.TemplateArgs{
			Containers: app.ContainerArray{
				app.ContainerArgs{
					// The first container is the one that gets the GPU.
					Name:      pulumi.String("model"),
					Image:     image,
					Resources: &app.ContainerResourcesArgs{Cpu: pulumi.Float64(gpu.ReplicaCPU()), Memory: pulumi.Sprintf("%gGi", gpu.ReplicaMemoryGiB())},
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
	}
}

// modelAlerts are the rules on one model's app: pinned at its replica cap
// (realtime requests for it are shed or sent to batch), and its GPUs busy.
func modelAlerts(workload, model string, appID pulumi.StringInput, maxReplicas int) []alertRule {
	return []alertRule{
		{name: workload + "-replicas-at-max", description: fmt.Sprintf("Model %s has run at its maximum replicas for 15 minutes: its realtime requests are being shed or queued.", model),
			scope: appID, namespace: NamespaceContainerApps, metric: "Replicas",
			aggregation: "Minimum", op: "GreaterThanOrEqual", threshold: float64(maxReplicas), severity: 2, frequency: "PT5M", window: "PT15M"},
		{name: workload + "-gpu-high", description: fmt.Sprintf("GPU utilization of model %s stayed above 90%%.", model),
			scope: appID, namespace: NamespaceContainerApps, metric: "GpuUtilizationPercentage",
			aggregation: "Average", op: "GreaterThan", threshold: 90, severity: 3, frequency: "PT5M", window: "PT15M", preview: true},
	}
}

// modelTiles chart the model's replicas (each one GPU) and their GPU
// utilization; workbook aggregation 3 is Maximum, 4 Average
// (azmetrics.WorkbookAggregation).
func modelTiles(m config.Model, appID pulumi.StringInput) []WorkbookTile {
	return []WorkbookTile{
		{Title: fmt.Sprintf("%s: replicas (each one %s GPU)", m.Name, m.GPU), ResourceType: "microsoft.app/containerapps", ResourceID: appID, Aggregation: 3, Metrics: []string{"Replicas"}},
		{Title: fmt.Sprintf("%s: GPU utilization (%%)", m.Name), ResourceType: "microsoft.app/containerapps", ResourceID: appID, Aggregation: 4, Metrics: []string{"GpuUtilizationPercentage"}},
	}
}

// movedAliases are the alias options of the default model's resources, by
// where they were; all empty for other models.
type movedAliases struct {
	platform, inference, alerts pulumi.ResourceOption
}

func (m *MovedFrom) aliases(platformName string) movedAliases {
	none := pulumi.Aliases(nil)
	if m == nil {
		return movedAliases{none, none, none}
	}
	return movedAliases{
		platform:  pulumi.Aliases([]pulumi.Alias{{Parent: m.Platform}}),
		inference: pulumi.Aliases([]pulumi.Alias{{Parent: m.Inference}}),
		alerts:    pulumi.Aliases([]pulumi.Alias{{ParentURN: childURN(m.Platform.URN(), "gpu-orchestration:alerts:Alerts", m.AlertsName)}}),
	}
}

// childURN is the URN a resource of typ named name has as a child of the
// resource whose URN is parent.
func childURN(parent pulumi.URNOutput, typ, name string) pulumi.URNOutput {
	return parent.ApplyT(func(p pulumi.URN) pulumi.URN {
		u := resource.URN(p)
		return pulumi.URN(resource.NewURN(u.Stack(), u.Project(), u.QualifiedType(), tokens.Type(typ), name))
	}).(pulumi.URNOutput)
}
