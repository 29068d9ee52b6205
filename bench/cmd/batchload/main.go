// Command batchload is the load generator of the batch-accept benchmark. It
// keeps a fixed number of clients submitting small jobs back to back, either
// to the router (POST /v1/infer, X-Route: batch, answered 202 once stored) or
// as raw azqueue puts of the same message to the same storage, and prints
// one tab-separated line: label, accepted jobs per second, p50 and p99
// latency in microseconds, errors (the first error goes to stderr).
//
//	batchload -target router -url http://127.0.0.1:18080/v1/infer -key K
//	batchload -target azqueue -connection-string "$STORAGE_CONNECTION_STRING"
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	target := flag.String("target", "router", "router or azqueue")
	url := flag.String("url", "http://127.0.0.1:18080/v1/infer", "router: the infer endpoint")
	key := flag.String("key", "", "router: API key")
	idempotency := flag.Bool("idempotency", true, "router: send a fresh Idempotency-Key with every job")
	connString := flag.String("connection-string", os.Getenv("STORAGE_CONNECTION_STRING"), "azqueue: storage connection string")
	queue := flag.String("queue", "bench-raw", "azqueue: queue to put into (created if missing)")
	conns := flag.Int("conns", 16, "concurrent clients")
	bodyBytes := flag.Int("body-bytes", 256, "size of each job's JSON body")
	warmup := flag.Duration("warmup", 2*time.Second, "load before measuring")
	duration := flag.Duration("duration", 10*time.Second, "measurement window")
	label := flag.String("label", "", "first column of the output line (default: the target)")
	flag.Parse()
	if *label == "" {
		*label = *target
	}

	if err := runTarget(*label, *target, *url, *key, *idempotency, *connString, *queue, *conns, *bodyBytes, *warmup, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "batchload:", err)
		os.Exit(1)
	}
}

func runTarget(label, target, url, key string, idempotency bool, connString, queue string, conns, bodyBytes int, warmup, duration time.Duration) error {
	if conns < 1 || duration <= 0 {
		return fmt.Errorf("-conns must be at least 1 and -duration positive")
	}
	ctx := context.Background()
	body := jobBody(bodyBytes)
	var do op
	switch target {
	case "router":
		if key == "" {
			return fmt.Errorf("-key is needed for -target router")
		}
		do = routerSubmit(url, key, body, conns, idempotency)
	case "azqueue":
		if connString == "" {
			return fmt.Errorf("-connection-string (or STORAGE_CONNECTION_STRING) is needed for -target azqueue")
		}
		var err error
		if do, err = rawEnqueue(ctx, connString, queue, body); err != nil {
			return err
		}
	default:
		return fmt.Errorf("-target %q: want router or azqueue", target)
	}
	r := run(ctx, do, conns, warmup, duration)
	if r.FirstError != "" {
		fmt.Fprintf(os.Stderr, "batchload %s: %d errors; first: %s\n", label, r.Errors, r.FirstError)
	}
	fmt.Printf("%s\t%.1f\t%.1f\t%.1f\t%d\n", label, r.OpsPerSec, r.P50us, r.P99us, r.Errors)
	if r.Ops == 0 {
		return fmt.Errorf("no job accepted in the window (%d errors; first: %s)", r.Errors, r.FirstError)
	}
	return nil
}
