// Command goproxy is the reference floor of the proxy benchmark: the Go
// standard library's httputil.ReverseProxy with its defaults, a pooled
// keep-alive transport and nothing else (no auth, decision, metrics or log).
// The router is built on the same library, so the gap between the two is
// what the router adds, and the gap between this and nginx is what Go's
// net/http costs on this machine.
//
//	goproxy -addr 127.0.0.1:18083 -target http://127.0.0.1:18000
package main

import (
	"flag"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18083", "listen address")
	target := flag.String("target", "http://127.0.0.1:18000", "backend base URL")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		log.Error("bad -target", "target", *target)
		os.Exit(2)
	}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second, DisableCompression: true},
	}
	srv := &http.Server{Addr: *addr, Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	log.Info("goproxy listening", "addr", *addr, "target", *target)
	if err := srv.ListenAndServe(); err != nil {
		log.Error("goproxy stopped", "err", err)
		os.Exit(1)
	}
}
