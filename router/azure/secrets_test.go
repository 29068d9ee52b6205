package azure

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

type staticToken struct{}

func (staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "t", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fakeVault answers Key Vault's secret calls over TLS: the challenge a
// request without a token gets, GET of a secret's latest version and PUT
// of a new one, which it records.
type fakeVault struct {
	mu       sync.Mutex
	versions map[string][]map[string]any // secret → versions, as Key Vault returns them
}

func (v *fakeVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	name := strings.Trim(strings.TrimPrefix(r.URL.Path, "/secrets/"), "/")
	v.mu.Lock()
	defer v.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		vs := v.versions[name]
		if len(vs) == 0 {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"code":"SecretNotFound","message":"not found"}}`)
			return
		}
		_ = json.NewEncoder(w).Encode(vs[len(vs)-1])
	case http.MethodPut:
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		v.versions[name] = append(v.versions[name], body)
		_ = json.NewEncoder(w).Encode(body)
	}
}

// A new version of a secret keeps the tags and content type of the one it
// replaces (Key Vault keeps them per version): the stack's tags stay, and
// pulumi preview --refresh shows the new version alone.
func TestSetSecretKeepsTheCurrentVersionsTags(t *testing.T) {
	vault := &fakeVault{versions: map[string][]map[string]any{
		"rollout--chat": {{"value": "{}", "contentType": "application/json", "tags": map[string]any{"managed-by": "pulumi", "stack": "prod"}}},
	}}
	srv := httptest.NewTLSServer(vault)
	defer srv.Close()
	kv, err := newKeyVault(srv.URL, staticToken{}, &azsecrets.ClientOptions{
		ClientOptions:                        azcore.ClientOptions{Transport: srv.Client()},
		DisableChallengeResourceVerification: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.SetSecret(t.Context(), "rollout--chat", `{"v2":"rolled back"}`); err != nil {
		t.Fatal(err)
	}
	if err := kv.SetSecret(t.Context(), "new--secret", "x"); err != nil {
		t.Fatalf("a secret without a version yet: %v", err)
	}
	vs := vault.versions["rollout--chat"]
	got, _ := json.Marshal(vs[len(vs)-1])
	want := `{"contentType":"application/json","tags":{"managed-by":"pulumi","stack":"prod"},"value":"{\"v2\":\"rolled back\"}"}`
	if len(vs) != 2 || string(got) != want {
		t.Fatalf("new version %s; want %s", got, want)
	}
}
