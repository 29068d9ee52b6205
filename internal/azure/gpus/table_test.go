package gpus

import (
	"regexp"
	"testing"
)

// Each GPU's default pool size carries that GPU and no other, its regions
// are written as ARM names, and a profile type finds its row.
func TestTableIsConsistent(t *testing.T) {
	arm := regexp.MustCompile(`^[a-z0-9]+$`)
	for _, p := range Profiles {
		if g, ok := OfVMSize(p.PoolVMSize); !ok || g != p.GPU {
			t.Errorf("%s: default pool size %s carries %q", p.GPU, p.PoolVMSize, g)
		}
		for _, r := range p.Regions {
			if !arm.MatchString(r) {
				t.Errorf("%s: region %q is not an ARM name", p.GPU, r)
			}
		}
		if q, ok := ByWorkloadProfileType(p.WorkloadProfileType); !ok || q.GPU != p.GPU {
			t.Errorf("%s: profile type %s finds %v", p.GPU, p.WorkloadProfileType, q.GPU)
		}
	}
	for _, size := range []string{"Standard_NC6s_v3", "Standard_D4s_v5", "Standard_NC40ads_H100_v5"} {
		if g, ok := OfVMSize(size); ok {
			t.Errorf("%s is taken for a %s size", size, g)
		}
	}
}
