#!/usr/bin/env bash
# Against a running local router (make run): lists the models, sends each a
# realtime request, and sends each a batch job and waits for its result,
# checking that each model answered as itself. Exits non-zero on any failure.
set -euo pipefail
url="http://${ROUTER_ADDR:-127.0.0.1:8080}"
key="${ROUTER_API_KEY:-local-dev-key}"
auth=(-H "Authorization: Bearer $key")

echo "models:"
models="$(curl -sS --fail-with-body "${auth[@]}" "$url/v1/models")"
echo "$models"
ids="$(printf '%s' "$models" | grep -o '"id":"[^"]*"' | sed 's/"id":"\(.*\)"/\1/')"
[[ -n "$ids" ]] || { echo "smoke: no model listed" >&2; exit 1; }

for model in $ids; do
  echo "realtime, $model:"
  answer="$(curl -sS --fail-with-body "${auth[@]}" -H "X-Route: realtime" -H "X-Model: $model" \
    -H "Content-Type: application/json" -d '{"text":"smoke test, realtime"}' "$url/v1/infer")"
  echo "$answer"
  [[ "$answer" == *"\"model\":\"$model\""* ]] || { echo "smoke: not answered by $model" >&2; exit 1; }

  echo "batch, $model:"
  accepted="$(curl -sS --fail-with-body "${auth[@]}" -H "X-Route: batch" -H "X-Model: $model" \
    -H "Content-Type: application/json" -d '{"text":"smoke test, batch"}' "$url/v1/infer")"
  echo "$accepted"
  status_url="$(printf '%s' "$accepted" | sed -n 's/.*"status_url":"\([^"]*\)".*/\1/p')"
  [[ -n "$status_url" ]] || { echo "smoke: no status_url in the 202 answer" >&2; exit 1; }
  job=""
  for _ in $(seq 1 120); do
    job="$(curl -sS --fail-with-body "${auth[@]}" "$url$status_url")"
    case "$job" in
      *'"status":"succeeded"'*) break ;;
      *'"status":"failed"'*) echo "$job" >&2; echo "smoke: job failed" >&2; exit 1 ;;
    esac
    sleep 0.5
  done
  echo "$job"
  [[ "$job" == *'"status":"succeeded"'* ]] || { echo "smoke: the job did not finish within 60 s" >&2; exit 1; }
  [[ "$job" == *"\"result\":{\"model\":\"$model\""* ]] || { echo "smoke: the batch job was not answered by $model" >&2; exit 1; }
done
echo "smoke: ok"
