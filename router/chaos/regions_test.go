package chaos

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Two regions, each its own router, Azurite and model, peers of each
// other with spill-over on. The model of region A is killed: A's realtime
// requests with room in their deadline are answered by B; the batch jobs A
// accepted are read through B, and none is lost.
func TestTwoRegionsWhenOneModelDies(t *testing.T) {
	chaosOnly(t)
	a, b := newEnv(t, false), newEnv(t, false)
	addrA, addrB := freeAddr(t), freeAddr(t)
	peer := func(region, addr string) string {
		return fmt.Sprintf(`PEERS=[{"region":%q,"url":"http://%s"}]`, region, addr)
	}
	ra := a.startAt(addrA, "local", "REGION=swedencentral", peer("westus3", addrB), "SPILLOVER=realtime")
	rb := b.startAt(addrB, "local", "REGION=westus3", peer("swedencentral", addrA), "SPILLOVER=realtime")
	for _, r := range []*proc{ra, rb} { // both apps answered once: warm
		if _, region := realtimeIn(t, r.url); region == "" {
			t.Fatal("no X-Region on an answer")
		}
	}
	ids := submitAll(func() string { return ra.url }, 24, 4, text, false, time.Now().Add(time.Minute), nil)

	a.model.Close()
	byRegion := map[string]int{}
	for range 32 {
		status, region := realtimeIn(t, ra.url)
		if status != 200 {
			t.Fatalf("a realtime request to region A with its model dead: %d; want it answered by B", status)
		}
		byRegion[region]++
	}
	t.Logf("realtime requests sent to A after its model died, by the region that answered: %v", byRegion)
	if byRegion["westus3"] != 32 {
		t.Errorf("answered by %v; want all 32 by westus3", byRegion)
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "swedencentral-") {
			t.Fatalf("job id %q does not carry its region", id)
		}
	}
	r := a.tally("two regions, A's model killed", rb.url, ids, 2*time.Minute)
	if r.succeeded != len(ids) || r.duplicated != 0 {
		t.Errorf("%+v: want every job of A succeeded, read through B, none run twice", r)
	}
	regionsSpilled.Store(int64(byRegion["westus3"]))
}

// realtimeIn sends one realtime request with room in its deadline and
// returns the status and the region that answered.
func realtimeIn(t *testing.T, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/v1/infer", strings.NewReader(`{"text":"now"}`))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("X-Route", "realtime")
	req.Header.Set("X-Deadline-Ms", "10000")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Model string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header.Get("X-Region")
}
