package rules

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	routerconfig "github.com/gpu-orchestration/gpu-orchestration/router/config"
)

// probePath is where the front door must ask a region's router whether it
// takes traffic: its readiness, which fails while it drains, before it has
// read its API keys, and while its work queue is unreachable. /healthz
// answers ok through all of that.
var probePath = routerconfig.PathReady

// frontDoorPolicies hold the global stack's front door to what the regions
// rely on: HTTPS from callers to routers (the API key travels in every
// request), a probe of every origin on the router's readiness, and the
// firewall in front of every endpoint.
func frontDoorPolicies() []policyx.Policy {
	return []policyx.Policy{
		resourceRule{
			name:        "frontdoor-https-only",
			description: "Front Door routes accept HTTPS only (or redirect HTTP to it) and forward to origins over HTTPS, and origins check the router's certificate name.",
			level:       mandatory,
			types:       []string{"cdn:Route", "cdn:AFDOrigin"},
			check: func(t target, report func(string, ...any)) {
				if typeIs(t.Type, "cdn:AFDOrigin") {
					if on, ok := get(t.Props, "enforceCertificateNameCheck").boolean(); ok && !on {
						report("front door origin %q: set enforceCertificateNameCheck to true, so the front door talks only to the router its host name names", t.Name)
					}
					return
				}
				if f := get(t.Props, "forwardingProtocol"); !f.unknown() {
					if p, _ := f.str(); p != "HttpsOnly" {
						report("front door route %q: set forwardingProtocol to HttpsOnly (it is %s): requests carry the API key to the routers", t.Name, orUnset(p))
					}
				}
				protocols := get(t.Props, "supportedProtocols")
				redirect := get(t.Props, "httpsRedirect")
				if protocols.unknown() || redirect.unknown() {
					return
				}
				acceptsHTTP := protocols.absent() // Azure's default accepts Http and Https
				for _, p := range protocols.items() {
					acceptsHTTP = acceptsHTTP || p.IsString() && p.AsString() == "Http"
				}
				if r, _ := redirect.str(); acceptsHTTP && r != "Enabled" {
					report("front door route %q accepts HTTP: set supportedProtocols to [Https], or httpsRedirect to Enabled", t.Name)
				}
			},
		}.policy(),
		resourceRule{
			name:        "frontdoor-probes-readyz",
			description: "Every Front Door origin group probes its origins over HTTPS on the router's " + probePath + ".",
			level:       mandatory,
			types:       []string{"cdn:AFDOriginGroup"},
			check: func(t target, report func(string, ...any)) {
				probe := get(t.Props, "healthProbeSettings")
				switch {
				case probe.unknown():
				case probe.absent():
					report("front door origin group %q has no health probe: set healthProbeSettings to probe %s over Https, or the front door keeps sending callers to a region that is down", t.Name, probePath)
				default:
					if p := get(t.Props, "healthProbeSettings", "probePath"); !p.unknown() {
						if path, _ := p.str(); path != probePath {
							report("front door origin group %q probes %s: set healthProbeSettings.probePath to %s, the router's readiness", t.Name, orUnset(path), probePath)
						}
					}
					if p := get(t.Props, "healthProbeSettings", "probeProtocol"); !p.unknown() {
						if proto, _ := p.str(); proto != "Https" {
							report("front door origin group %q probes over %s: set healthProbeSettings.probeProtocol to Https", t.Name, orUnset(proto))
						}
					}
				}
			},
		}.policy(),
		stackRule{
			name:        "frontdoor-origins-probed",
			description: "Every Front Door origin belongs to an origin group of the stack, whose health probes (frontdoor-probes-readyz) take a region that stops answering out of the rotation.",
			level:       mandatory,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				groups := map[string]bool{}
				for _, g := range ofType(resources, "cdn:AFDOriginGroup") {
					groups[g.URN] = true
				}
				for _, o := range ofType(resources, "cdn:AFDOrigin") {
					if !slices.ContainsFunc(o.Dependencies, func(d string) bool { return groups[d] }) {
						report(o.URN, "front door origin %q belongs to no origin group of this stack, so no probe of %s watches it: set its originGroupName to an origin group's name output", o.Name, probePath)
					}
				}
			},
		}.policy(),
		stackRule{
			name:        "frontdoor-waf-prevention",
			description: "Every Front Door endpoint is covered by a security policy whose web application firewall policy is enabled in Prevention mode.",
			level:       mandatory,
			check: func(resources []policyx.AnalyzerResource, report func(string, string, ...any)) {
				wafs := map[string]policyx.AnalyzerResource{}
				for _, w := range ofType(resources, "network:Policy") {
					wafs[w.URN] = w
				}
				for _, e := range ofType(resources, "cdn:AFDEndpoint") {
					guarded := false
					for _, sp := range ofType(resources, "cdn:SecurityPolicy") {
						if !slices.Contains(sp.Dependencies, e.URN) {
							continue
						}
						for _, d := range sp.Dependencies {
							if w, ok := wafs[d]; ok && preventing(w) {
								guarded = true
							}
						}
					}
					if !guarded {
						report(e.URN, "front door endpoint %q has no firewall in Prevention mode: associate it, through a cdn:SecurityPolicy, with an enabled network:Policy whose policySettings.mode is Prevention (the rate limit per client address)", e.Name)
					}
				}
			},
		}.policy(),
	}
}

// preventing reports whether a WAF policy acts on what it matches, or
// cannot be judged yet.
func preventing(w policyx.AnalyzerResource) bool {
	mode, state := get(w.Properties, "policySettings", "mode"), get(w.Properties, "policySettings", "enabledState")
	if mode.unknown() || state.unknown() {
		return true
	}
	m, _ := mode.str()
	s, _ := state.str()
	return m == "Prevention" && s != "Disabled"
}

// orUnset prints a string input that may be unset.
func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}
