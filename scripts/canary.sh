#!/usr/bin/env bash
# Against a local run with a failing canary (CANARY_FAULT_RATE=0.5 make run):
# sends REQUESTS realtime requests to reference-1, each as its own caller
# (X-Session-Id), a few at a time, and prints the requests each revision
# answered, the errors callers saw, and how long after the first request the
# canary was rolled back (from /v1/rollouts). Exits non-zero if callers saw
# 1% or more errors, or the canary was not rolled back.
set -euo pipefail
url="http://${ROUTER_ADDR:-127.0.0.1:8080}"
key="${ROUTER_API_KEY:-local-dev-key}"
n="${REQUESTS:-1000}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

for _ in $(seq 1 100); do
  curl -sf "$url/readyz" >/dev/null && break
  sleep 0.2
done
start=$(date +%s%N)
rolled=""
send() {
  curl -sS -o /dev/null -D - -w '%{http_code}\n' -H "Authorization: Bearer $key" -H "X-Route: realtime" \
    -H "X-Session-Id: caller-$1" -H "Content-Type: application/json" \
    -d '{"text":"canary check"}' "$url/v1/infer" | tr -d '\r' |
    awk -v f="$dir/$1" '/^X-Model-Revision:/ {rev=$2} /^[0-9][0-9][0-9]$/ {code=$1} END {print code, rev > f}'
}
for ((i = 0; i < n; i += 8)); do
  for ((j = i; j < i + 8 && j < n; j++)); do send "$j" & done
  wait
  if [[ -z "$rolled" ]] && curl -sS -H "Authorization: Bearer $key" "$url/v1/rollouts" | grep -q '"verdict":"rolled_back"'; then
    rolled=$(( ($(date +%s%N) - start) / 1000000 ))
  fi
done
errors=$(cat "$dir"/* | awk '$1 != 200' | wc -l)
echo "requests: $n"
echo "answered by revision:"; cat "$dir"/* | awk '$1 == 200 {print "  " $2}' | sort | uniq -c
echo "errors seen by callers: $errors ($(awk -v e="$errors" -v n="$n" 'BEGIN {printf "%.2f", 100 * e / n}')%)"
curl -sS -H "Authorization: Bearer $key" "$url/v1/rollouts"; echo
if [[ -z "$rolled" ]]; then echo "canary: not rolled back" >&2; exit 1; fi
echo "canary rolled back ${rolled} ms after the first request"
(( errors * 100 < n )) || { echo "canary: callers saw 1% or more errors" >&2; exit 1; }
