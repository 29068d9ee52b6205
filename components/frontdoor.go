package components

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/cdn/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// Front Door settings the global entry is built on, each with its reason.
const (
	// FrontDoorSKU is Standard: its custom WAF rules are free and all this
	// API needs (README, Several regions: why not Premium).
	FrontDoorSKU = "Standard_AzureFrontDoor"
	// ProbePath is where the front door asks a region whether it takes
	// traffic: the router's readiness, which fails while it drains, before
	// it has read its settings and API keys, and while its work queue is
	// unreachable.
	ProbePath = routerconfig.PathReady
	// ProbeIntervalSeconds: with 4 samples of which 3 must succeed, a
	// region that stops answering is out of rotation after about two
	// intervals. Every edge location probes, so each router gets about two
	// probes a minute per location (azure-docs frontdoor/health-probes.md),
	// which /readyz answers from memory.
	ProbeIntervalSeconds = 30
	// OriginResponseTimeoutSeconds is the most Front Door waits (16 to
	// 240 s): a realtime request may wait for a cold GPU replica as long as
	// the Container Apps ingress lets it, 240 s.
	OriginResponseTimeoutSeconds = 240
)

// FrontDoorOrigin is one region's router behind the front door.
type FrontDoorOrigin struct {
	// Key names the origin's resources in the program: its regional stack's
	// name, which stays when the list is reordered.
	Key string
	// Region is the router's region; the origin is called origin-<region>.
	Region pulumi.StringInput
	// Host is the router's public host name (its HTTPS ingress FQDN).
	Host pulumi.StringInput
	// Drained takes the origin out of rotation (enabledState Disabled).
	Drained pulumi.BoolInput
}

// FrontDoorArgs configures the global entry's front door.
type FrontDoorArgs struct {
	// Placement is where the profile's resources are recorded and how they
	// are named and tagged; Front Door itself is a global service.
	Placement
	// Origins are the regions' routers, at least one.
	Origins []FrontDoorOrigin
	// RateLimitPerMinute is the requests one client IP may send in a
	// minute before the firewall answers 429 for the rest of it.
	RateLimitPerMinute int
	// WorkspaceID receives the failed health probes and the firewall's
	// decisions.
	WorkspaceID pulumi.StringInput
}

// FrontDoor is Azure Front Door before the regions' routers: one endpoint,
// one origin group of every region's router, probed on /readyz and chosen
// by latency among the healthy ones, HTTPS end to end, no caching, and a
// firewall that rate-limits each client address.
type FrontDoor struct {
	pulumi.ResourceState

	// ProfileID and ProfileName are the Front Door profile.
	ProfileID   pulumi.StringOutput `pulumi:"profileId"`
	ProfileName pulumi.StringOutput `pulumi:"profileName"`
	// FrontDoorID is the id Front Door sends to origins in X-Azure-FDID.
	FrontDoorID pulumi.StringOutput `pulumi:"frontDoorId"`
	// URL is the endpoint callers use, https://<endpoint host name>.
	URL pulumi.StringOutput `pulumi:"url"`
}

// NewFrontDoor declares the profile, its endpoint, the origin group with
// one origin per region, the route, the firewall policy and its security
// policy, and the profile's logs.
func NewFrontDoor(ctx *pulumi.Context, name string, args *FrontDoorArgs, opts ...pulumi.ResourceOption) (*FrontDoor, error) {
	comp := &FrontDoor{}
	if err := ctx.RegisterComponentResource("gpu-orchestration:frontdoor:FrontDoor", name, comp, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(comp)
	rg := args.ResourceGroupName

	profile, err := cdn.NewProfile(ctx, name+"-profile", &cdn.ProfileArgs{
		ProfileName:                  pulumi.String(args.Naming.Hyphenated("afd")),
		ResourceGroupName:            rg,
		Location:                     pulumi.String("global"),
		Sku:                          &cdn.SkuArgs{Name: pulumi.String(FrontDoorSKU)},
		OriginResponseTimeoutSeconds: pulumi.Int(OriginResponseTimeoutSeconds),
		Tags:                         args.Tags,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("front door profile: %w", err)
	}
	endpoint, err := cdn.NewAFDEndpoint(ctx, name+"-endpoint", &cdn.AFDEndpointArgs{
		// Endpoint names are global; Azure adds a hash to the host name.
		EndpointName:      pulumi.String(args.Naming.Hyphenated("fde")),
		ProfileName:       profile.Name,
		ResourceGroupName: rg,
		Location:          pulumi.String("global"),
		EnabledState:      pulumi.String("Enabled"),
		Tags:              args.Tags,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("front door endpoint: %w", err)
	}
	group, err := cdn.NewAFDOriginGroup(ctx, name+"-routers", &cdn.AFDOriginGroupArgs{
		OriginGroupName:   pulumi.String("routers"),
		ProfileName:       profile.Name,
		ResourceGroupName: rg,
		HealthProbeSettings: &cdn.HealthProbeParametersArgs{
			ProbePath:              pulumi.String(ProbePath),
			ProbeProtocol:          cdn.ProbeProtocolHttps,
			ProbeRequestType:       cdn.HealthProbeRequestTypeHEAD, // Front Door's advice: no body to send
			ProbeIntervalInSeconds: pulumi.Int(ProbeIntervalSeconds),
		},
		// Latency: each caller goes to the nearest healthy region only
		// (no latency band to share with farther ones), so a region's
		// traffic, and how warm its GPUs stay, follows its callers.
		LoadBalancingSettings: &cdn.LoadBalancingSettingsParametersArgs{
			SampleSize:                      pulumi.Int(4),
			SuccessfulSamplesRequired:       pulumi.Int(3),
			AdditionalLatencyInMilliseconds: pulumi.Int(0),
		},
		// A job's later reads may land in any region: the routers send
		// them on to the job's own.
		SessionAffinityState: pulumi.String("Disabled"),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("front door origin group: %w", err)
	}

	var origins []pulumi.Resource
	for _, o := range args.Origins {
		enabled := o.Drained.ToBoolOutput().ApplyT(func(drained bool) string {
			if drained {
				return "Disabled"
			}
			return "Enabled"
		}).(pulumi.StringOutput)
		origin, err := cdn.NewAFDOrigin(ctx, name+"-origin-"+o.Key, &cdn.AFDOriginArgs{
			OriginName:        pulumi.Sprintf("origin-%s", o.Region),
			OriginGroupName:   group.Name,
			ProfileName:       profile.Name,
			ResourceGroupName: rg,
			HostName:          o.Host,
			// Container Apps routes by host name.
			OriginHostHeader:            o.Host,
			HttpsPort:                   pulumi.Int(443),
			EnforceCertificateNameCheck: pulumi.Bool(true),
			// Equal priority and weight: latency and health choose.
			Priority:     pulumi.Int(1),
			Weight:       pulumi.Int(1000),
			EnabledState: enabled,
		}, child)
		if err != nil {
			return nil, fmt.Errorf("front door origin %s: %w", o.Key, err)
		}
		origins = append(origins, origin)
	}

	if _, err := cdn.NewRoute(ctx, name+"-route", &cdn.RouteArgs{
		RouteName:         pulumi.String("api"),
		EndpointName:      endpoint.Name,
		ProfileName:       profile.Name,
		ResourceGroupName: rg,
		OriginGroup:       &cdn.ResourceReferenceArgs{Id: group.ID()},
		PatternsToMatch:   pulumi.StringArray{pulumi.String("/*")},
		// HTTPS only, from the caller to the edge and from the edge to
		// the router: an API key never crosses the network in clear, and
		// a redirected POST would be sent again by some clients.
		SupportedProtocols:  pulumi.StringArray{pulumi.String("Https")},
		HttpsRedirect:       pulumi.String("Disabled"),
		ForwardingProtocol:  pulumi.String("HttpsOnly"),
		LinkToDefaultDomain: pulumi.String("Enabled"),
		EnabledState:        pulumi.String("Enabled"),
		// No cacheConfiguration: nothing is cached, every answer is the
		// caller's own.
	}, child, pulumi.DependsOn(origins)); err != nil { // Azure refuses a route to an empty origin group
		return nil, fmt.Errorf("front door route: %w", err)
	}

	waf, err := network.NewPolicy(ctx, name+"-waf", &network.PolicyArgs{
		PolicyName:        pulumi.String(args.Naming.Global("waf")),
		ResourceGroupName: rg,
		Location:          pulumi.String("Global"),
		Sku:               &network.SkuArgs{Name: pulumi.String(FrontDoorSKU)},
		PolicySettings: &network.FrontDoorPolicySettingsArgs{
			EnabledState:                  pulumi.String("Enabled"),
			Mode:                          pulumi.String("Prevention"),
			CustomBlockResponseStatusCode: pulumi.Int(429),
			CustomBlockResponseBody:       pulumi.String(base64.StdEncoding.EncodeToString(rateLimitedBody())),
		},
		// No managed rule sets: Standard has none, and their SQL and
		// script patterns would match prompts, which are free text.
		CustomRules: &network.CustomRuleListArgs{Rules: network.CustomRuleArray{
			network.CustomRuleArgs{
				Name:                       pulumi.String("ratePerClientAddress"),
				Priority:                   pulumi.Int(100),
				RuleType:                   pulumi.String("RateLimitRule"),
				RateLimitDurationInMinutes: pulumi.Int(1),
				RateLimitThreshold:         pulumi.Int(args.RateLimitPerMinute),
				Action:                     pulumi.String("Block"),
				// Every client address, IPv4 and IPv6: rate limits count
				// per socket address (azure-docs
				// web-application-firewall/afds/waf-front-door-rate-limit.md).
				MatchConditions: network.FrontDoorMatchConditionArray{network.FrontDoorMatchConditionArgs{
					MatchVariable: pulumi.String("SocketAddr"),
					Operator:      pulumi.String("IPMatch"),
					MatchValue:    pulumi.StringArray{pulumi.String("0.0.0.0/0"), pulumi.String("::/0")},
				}},
			},
		}},
		Tags: args.Tags,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("front door firewall policy: %w", err)
	}
	if _, err := cdn.NewSecurityPolicy(ctx, name+"-security", &cdn.SecurityPolicyArgs{
		SecurityPolicyName: pulumi.String("waf"),
		ProfileName:        profile.Name,
		ResourceGroupName:  rg,
		Parameters: &cdn.SecurityPolicyWebApplicationFirewallParametersArgs{
			Type:      pulumi.String("WebApplicationFirewall"),
			WafPolicy: &cdn.ResourceReferenceArgs{Id: waf.ID()},
			Associations: cdn.SecurityPolicyWebApplicationFirewallAssociationArray{
				cdn.SecurityPolicyWebApplicationFirewallAssociationArgs{
					Domains:         cdn.ActivatedResourceReferenceArray{cdn.ActivatedResourceReferenceArgs{Id: endpoint.ID()}},
					PatternsToMatch: pulumi.StringArray{pulumi.String("/*")},
				},
			},
		},
	}, child); err != nil {
		return nil, fmt.Errorf("front door security policy: %w", err)
	}

	// Failed probes say why a region left the rotation; the firewall's
	// log says whom it refused. Access logs are left out: each router
	// already logs every request it answers, and they cost per request.
	if _, err := insights.NewDiagnosticSetting(ctx, name+"-logs", &insights.DiagnosticSettingArgs{
		Name:        pulumi.String("to-log-analytics"),
		ResourceUri: profile.ID(),
		WorkspaceId: args.WorkspaceID,
		Logs: insights.LogSettingsArray{
			insights.LogSettingsArgs{Category: pulumi.String("FrontDoorHealthProbeLog"), Enabled: pulumi.Bool(true)},
			insights.LogSettingsArgs{Category: pulumi.String("FrontDoorWebApplicationFirewallLog"), Enabled: pulumi.Bool(true)},
		},
	}, child); err != nil {
		return nil, fmt.Errorf("front door diagnostic setting: %w", err)
	}

	comp.ProfileID = profile.ID().ToStringOutput()
	comp.ProfileName = profile.Name
	comp.FrontDoorID = profile.FrontDoorId
	comp.URL = pulumi.Sprintf("https://%s", endpoint.HostName)
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"profileId":   comp.ProfileID,
		"profileName": comp.ProfileName,
		"frontDoorId": comp.FrontDoorID,
		"url":         comp.URL,
	})
}

// rateLimitedBody is what the firewall answers a client over its rate, in
// the router's own error shape (router/http), so that a client reads one
// kind of error whichever of the two refused it.
func rateLimitedBody() []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{
		"message": "too many requests from this address; retry after a minute",
		"type":    "rate_limit_error",
		"code":    router.EOverloaded,
	}})
	return b
}
