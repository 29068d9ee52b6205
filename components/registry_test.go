package components_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gpu-orchestration/gpu-orchestration/components"
	"github.com/gpu-orchestration/gpu-orchestration/internal/harness/mockstack"
)

// The registry tier alone: the admin user only when asked, pushes with its
// credentials then and with the deployer's login otherwise, and a prebuilt
// image passed through without a build.
func TestRegistryBuildsOnlyWhatIsNotPrebuilt(t *testing.T) {
	for _, admin := range []bool{false, true} {
		res := declare(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
			r, err := components.NewRegistry(ctx, "cr", &components.RegistryArgs{
				Placement: place(), AdminUser: admin,
				Images: []components.ImageSpec{
					{Repository: "router", Context: ".", Dockerfile: "router/Dockerfile"},
					{Repository: "refmodel", Prebuilt: "example.azurecr.io/refmodel@sha256:abc"},
				},
			})
			if err != nil {
				return nil, err
			}
			return pulumi.Map{"router": r.ImageRefs["router"], "refmodel": r.ImageRefs["refmodel"]}, nil
		})
		crs := res.OfType("azure-native:containerregistry:Registry")
		if len(crs) != 1 {
			t.Fatalf("%d registries", len(crs))
		}
		if on, _ := crs[0].Bool("adminUserEnabled"); on != admin {
			t.Errorf("admin %v: adminUserEnabled %v", admin, on)
		}
		if crs[0].String("sku.name") != components.RegistrySKU(false) || crs[0].String("publicNetworkAccess") != "Enabled" {
			t.Errorf("without private link: sku %q, public access %q", crs[0].String("sku.name"), crs[0].String("publicNetworkAccess"))
		}
		images := res.OfType("docker:index/image:Image")
		if len(images) != 1 {
			t.Fatalf("admin %v: %d image builds, want only the router's", admin, len(images))
		}
		if user := images[0].String("registry.username"); (user != "") != admin {
			t.Errorf("admin %v: push username %q", admin, user)
		}
		if got := res.Outputs["refmodel"].Value; got != "example.azurecr.io/refmodel@sha256:abc" {
			t.Errorf("prebuilt image ref %v, want it unchanged", got)
		}
		if got, _ := res.Outputs["router"].Value.(string); got == "" || got == mockstack.RepoDigest("") {
			t.Errorf("built image ref %q, want the pushed digest", got)
		}
	}
}
