#!/usr/bin/env bash
# Sends one realtime request and one batch job to a running router and waits
# for the job's result. Exits non-zero on any failure.
set -euo pipefail
url="http://${ROUTER_ADDR:-127.0.0.1:8080}"
key="${ROUTER_API_KEY:-local-dev-key}"
auth=(-H "Authorization: Bearer $key")

echo "realtime:"
curl -sS --fail-with-body "${auth[@]}" -H "X-Route: realtime" -H "Content-Type: application/json" \
  -d '{"text":"smoke test, realtime"}' "$url/v1/infer"
echo

echo "batch:"
accepted="$(curl -sS --fail-with-body "${auth[@]}" -H "X-Route: batch" -H "Content-Type: application/json" \
  -d '{"text":"smoke test, batch"}' "$url/v1/infer")"
echo "$accepted"
status_url="$(printf '%s' "$accepted" | sed -n 's/.*"status_url":"\([^"]*\)".*/\1/p')"
[[ -n "$status_url" ]] || { echo "no status_url in the 202 answer" >&2; exit 1; }

for _ in $(seq 1 120); do
  job="$(curl -sS --fail-with-body "${auth[@]}" "$url$status_url")"
  case "$job" in
    *'"status":"succeeded"'*) echo "$job"; echo "smoke: ok"; exit 0 ;;
    *'"status":"failed"'*) echo "$job" >&2; echo "smoke: job failed" >&2; exit 1 ;;
  esac
  sleep 0.5
done
echo "smoke: the job did not finish within 60 s: $job" >&2
exit 1
