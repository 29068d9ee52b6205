#!/usr/bin/env bash
# Against a running local router (make run): lists the models, sends each a
# realtime request, and sends each a batch job and waits for its result,
# checking that each model answered as itself; then runs one OpenAI Batch API
# batch whose lines name every model and alias, checking that each line was
# answered by the model it named. Exits non-zero on any failure.
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
echo "Batch API, one file for every model and alias:"
ids_and_aliases="$(printf '%s' "$models" | grep -o '"\(id\|aliases\)":\(\["[^]]*\]\|"[^"]*"\)' | grep -o '"[^"]*"$\|"[^",[]*"' | tr -d '"' | grep -v '^\(id\|aliases\)$' || true)"
input="$(mktemp)"
trap 'rm -f "$input"' EXIT
n=0
for m in $ids_and_aliases; do
  printf '{"custom_id":"line-%d","method":"POST","url":"/v1/chat/completions","body":{"model":"%s","messages":[{"role":"user","content":"smoke test, batch api"}]}}\n' "$n" "$m" >>"$input"
  n=$((n + 1))
done
file="$(curl -sS --fail-with-body "${auth[@]}" -F purpose=batch -F "file=@$input;filename=smoke.jsonl" "$url/v1/files")"
file_id="$(printf '%s' "$file" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')"
batch="$(curl -sS --fail-with-body "${auth[@]}" -H "Content-Type: application/json" \
  -d "{\"input_file_id\":\"$file_id\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}" "$url/v1/batches")"
batch_id="$(printf '%s' "$batch" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')"
for _ in $(seq 1 120); do
  batch="$(curl -sS --fail-with-body "${auth[@]}" "$url/v1/batches/$batch_id")"
  case "$batch" in *'"status":"completed"'* | *'"status":"failed"'* | *'"status":"expired"'*) break ;; esac
  sleep 0.5
done
echo "$batch"
[[ "$batch" == *'"status":"completed"'* && "$batch" == *"\"completed\":$n,\"failed\":0"* ]] ||
  { echo "smoke: the batch did not complete with all $n lines answered" >&2; exit 1; }
output_id="$(printf '%s' "$batch" | sed -n 's/.*"output_file_id":"\([^"]*\)".*/\1/p')"
output="$(curl -sS --fail-with-body "${auth[@]}" "$url/v1/files/$output_id/content")"
i=0
for m in $ids_and_aliases; do
  served="$(printf '%s' "$models" | grep -o "{[^{}]*\"$m\"[^{}]*}" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -n1)"
  got="$(printf '%s\n' "$output" | grep "\"custom_id\":\"line-$i\"" | grep -o '"model":"[^"]*"' | head -n1)"
  echo "  line-$i asked $m, answered by ${got#*:}"
  [[ "$got" == "\"model\":\"$served\"" ]] || { echo "smoke: line-$i ($m) was not answered by $served" >&2; exit 1; }
  i=$((i + 1))
done
echo "smoke: ok"
