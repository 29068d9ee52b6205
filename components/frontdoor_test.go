package components_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/router"
	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
)

// A client over the front door's rate limit reads the same error the router
// would give it when overloaded: 429, code overloaded, the OpenAI error
// type the router maps that code to.
func TestFirewallRefusesInTheRoutersErrorShape(t *testing.T) {
	res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := components.NewFrontDoor(ctx, "fd", &components.FrontDoorArgs{
			Placement: place(), RateLimitPerMinute: 600, WorkspaceID: pulumi.String("ws"),
			Origins: []components.FrontDoorOrigin{{Key: "a", Region: pulumi.String("westus3"), Host: pulumi.String("router.example"), Drained: pulumi.Bool(false)}},
		})
		return pulumi.Map{}, err
	})
	waf := res.OfType("azure-native:network:Policy")
	if len(waf) != 1 {
		t.Fatalf("%d firewall policies", len(waf))
	}
	if status := waf[0].Number("policySettings.customBlockResponseStatusCode"); status != 429 {
		t.Errorf("the firewall answers %v, want 429", status)
	}
	body, err := base64.StdEncoding.DecodeString(waf[0].String("policySettings.customBlockResponseBody"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Error struct{ Message, Type, Code string } `json:"error"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if doc.Error.Code != router.EOverloaded || doc.Error.Type != routerhttp.OpenAIErrorType(router.EOverloaded) || doc.Error.Message == "" {
		t.Errorf("the firewall's body %s is not the router's overloaded error", body)
	}
	rule := waf[0].Input("customRules.rules").ArrayValue()[0].ObjectValue()
	if rule["rateLimitThreshold"].NumberValue() != 600 {
		t.Errorf("rate limit %v, want the 600 asked", rule["rateLimitThreshold"])
	}
}
