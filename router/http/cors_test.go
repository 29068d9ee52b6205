package http_test

import (
	"net/http"
	"testing"

	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
)

// A browser page of an allowed origin gets its preflight answered before
// authentication (browsers send none) and may read the answers; any other
// origin gets no CORS header, so the browser keeps the answers from it.
func TestCORSForAllowedOriginsOnly(t *testing.T) {
	f := newFixture(t, nil, nil, func(c *routerhttp.Config) { c.AllowedOrigins = []string{"https://app.example.com"} })
	preflight := []string{"Authorization", "", "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization, content-type, x-stainless-os"}
	resp, body := f.do(t, "OPTIONS", "/v1/chat/completions", "", preflight...)
	h := resp.Header
	if resp.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		h.Get("Access-Control-Allow-Headers") != "authorization, content-type, x-stainless-os" ||
		h.Get("Access-Control-Allow-Methods") == "" || h.Get("Access-Control-Max-Age") == "" {
		t.Fatalf("preflight: %d %v %s", resp.StatusCode, h, body)
	}
	resp, _ = f.do(t, "GET", "/v1/models", "", "Origin", "https://app.example.com")
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		resp.Header.Get("Access-Control-Expose-Headers") == "" || resp.Header.Get("Vary") != "Origin" {
		t.Fatalf("request from the allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	// Authentication still applies, and its error is readable by the page.
	resp, body = f.do(t, "GET", "/v1/models", "", "Authorization", "", "Origin", "https://app.example.com")
	wantError(t, resp, body, 401, "unauthorized")
	if resp.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Fatal("401 to an allowed origin without Access-Control-Allow-Origin: the page cannot read why")
	}
	preflight[3] = "https://evil.example.com"
	resp, _ = f.do(t, "OPTIONS", "/v1/chat/completions", "", preflight...)
	if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Access-Control-Allow-Headers") != "" {
		t.Fatalf("preflight from another origin: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = f.do(t, "GET", "/v1/models", "", "Origin", "https://evil.example.com")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("request from another origin got %v", resp.Header)
	}
}

// None configured (the default): no CORS at all; OPTIONS is a method the
// API does not serve.
func TestNoCORSByDefault(t *testing.T) {
	f := newFixture(t, nil, nil)
	resp, body := f.do(t, "OPTIONS", "/v1/chat/completions", "", "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST")
	wantError(t, resp, body, http.StatusMethodNotAllowed, "method_not_allowed")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS header without configuration: %v", resp.Header)
	}
	g := newFixture(t, nil, nil, func(c *routerhttp.Config) { c.AllowedOrigins = []string{"*"} })
	resp, _ = g.do(t, "GET", "/v1/models", "", "Origin", "http://localhost:5173")
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("any origin (*): %v", resp.Header)
	}
}
