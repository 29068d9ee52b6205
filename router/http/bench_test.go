package http_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// benchClient reuses connections like a real client would.
var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func post(b *testing.B, url string, auth bool) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(`{"text":"benchmark request body"}`))
	req.Header.Set("Content-Type", "application/json")
	if auth {
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("X-Route", "realtime")
	}
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

func answer(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"model":"reference-1","label":"positive","score":0.5,"tokens":3}`)
}

// BenchmarkRealtime compares a request through the router with the same
// request sent straight to the backend, side by side on loopback; the
// difference is the router's cost (auth, decision, proxy, metrics, log).
func BenchmarkRealtime(b *testing.B) {
	f := newFixture(b, answer, nil)
	f.warm()
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			post(b, f.backend.URL+"/infer", false)
		}
	})
	b.Run("via-router", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			post(b, f.srv.URL+"/v1/infer", true)
		}
	})
	b.Run("via-router-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b, f.srv.URL+"/v1/infer", true)
			}
		})
	})
}
