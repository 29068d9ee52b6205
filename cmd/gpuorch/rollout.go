package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	routerhttp "github.com/gpu-orchestration/gpu-orchestration/router/http"
)

func init() {
	register("rollout", "rollout status: each model revision's weight, requests, errors, latency and verdict, from a router", rolloutCmd)
}

func rolloutCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "status" {
		fmt.Fprintln(stderr, "usage: gpuorch rollout status [-url URL] [-key KEY]")
		return 2
	}
	fs := flag.NewFlagSet("rollout status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", envOr("ROUTER_URL", "http://127.0.0.1:8080"), "the router (a deployed stack: `pulumi stack output routerUrl`)")
	key := fs.String("key", os.Getenv("ROUTER_API_KEY"), "an API key (`pulumi stack output apiKey --show-secrets`); default $ROUTER_API_KEY")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	status, err := fetchRollouts(strings.TrimSuffix(*url, "/"), *key)
	if err != nil {
		fmt.Fprintln(stderr, "gpuorch rollout status:", err)
		return 1
	}
	printRollouts(stdout, status)
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func fetchRollouts(url, key string) ([]routerhttp.RolloutStatus, error) {
	req, err := http.NewRequest(http.MethodGet, url+"/v1/rollouts", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s/v1/rollouts answered %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	var list struct{ Data []routerhttp.RolloutStatus }
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("%s/v1/rollouts: %w", url, err)
	}
	return list.Data, nil
}

// printRollouts prints a table per model.
func printRollouts(w io.Writer, models []routerhttp.RolloutStatus) {
	for i, m := range models {
		if i > 0 {
			fmt.Fprintln(w)
		}
		window := "no canary thresholds"
		if m.WindowSeconds > 0 {
			window = fmt.Sprintf("last %ds, all replicas", m.WindowSeconds)
		}
		fmt.Fprintf(w, "model %s (%s)\n", m.Model, window)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "revision\tweight %\trequests\terrors\tp50 ms\tp95 ms\tp99 ms\t verdict\t")
		for _, r := range m.Revisions {
			verdict := r.Verdict
			if r.Reason != "" {
				verdict += ": " + r.Reason
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%.0f\t%.0f\t %s\t\n", r.Name, r.Weight, r.Requests, r.Errors, r.P50Ms, r.P95Ms, r.P99Ms, verdict)
		}
		tw.Flush()
	}
}
