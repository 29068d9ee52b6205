package rules

import (
	"testing"
	"time"
)

func TestSecretLikeName(t *testing.T) {
	for name, want := range map[string]bool{
		"API_KEY": true, "DB_PASSWORD": true, "STORAGE_CONNECTION_STRING": true, "AZURE_CLIENT_SECRET": true,
		"GITHUB_TOKEN": true, "SAS": true, "ACCOUNT_KEY": true, "storageAccountKey": true, "apiKeyHash": false,
		"KEY_VAULT_URI": false, "API_KEY_HASH": false, "AZURE_FEDERATED_TOKEN_FILE": false, "AZURE_CLIENT_ID": false,
		"MODEL_VERSION": false, "SECRET_NAME": false, "MONKEY": false,
	} {
		if got := secretLikeName(name); got != want {
			t.Errorf("secretLikeName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSecretLikeValue(t *testing.T) {
	for v, want := range map[string]bool{
		"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=xyz": true,
		"Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=abc":  true,
		"https://a.blob.core.windows.net/c/b?sv=2024&sig=abc":         true,
		"-----BEGIN RSA PRIVATE KEY-----":                             true,
		"https://kv.vault.azure.net/":                                 false,
		"https://a.blob.core.windows.net/c/b?signature-free=1":        false,
	} {
		if got := secretLikeValue(v); got != want {
			t.Errorf("secretLikeValue(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestISODuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT5M": 5 * time.Minute, "PT1H30M": 90 * time.Minute, "P1D": 24 * time.Hour, "PT30S": 30 * time.Second,
		"pt15m": 15 * time.Minute,
	} {
		got, err := isoDuration(in)
		if err != nil || got != want {
			t.Errorf("isoDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "5m", "PT5X"} {
		if _, err := isoDuration(bad); err == nil {
			t.Errorf("isoDuration(%q) accepted", bad)
		}
	}
}

func TestTypeIsAnyAPIVersion(t *testing.T) {
	for token, want := range map[string]bool{
		"azure-native:app/v20250101:ContainerApp":  true,
		"azure-native:app:ContainerApp":            true,
		"azure-native:app:ContainerAppsAuthConfig": false,
		"azure:containerapp:App":                   false,
		"gpu-orchestration:app:ContainerApp":       false,
	} {
		if got := typeIs(token, "app:ContainerApp"); got != want {
			t.Errorf("typeIs(%q) = %v, want %v", token, got, want)
		}
	}
}
