#!/usr/bin/env bash
# The local run: Azurite, the reference model and the router with the local
# executor, in the foreground. Ctrl-C stops all three.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
azurite_bin="$(bash scripts/azurite.sh)"

: "${ROUTER_ADDR:=127.0.0.1:8080}"
: "${ROUTER_API_KEY:=local-dev-key}"
: "${REFMODEL_PORT:=8000}"
: "${REFMODEL_SMALL_PORT:=8001}"
: "${REFMODEL_CANARY_PORT:=8002}"
# CANARY_FAULT_RATE (0 to 1) adds a canary revision of reference-1 that
# fails that share of its requests, taking CANARY_WEIGHT percent of the
# model's traffic: its rollback shows in the log and in /metrics
# (router_revision_weight) within the window (scripts/canary.sh measures it).
: "${CANARY_FAULT_RATE:=}"
: "${CANARY_WEIGHT:=10}"
: "${AZURITE_BLOB_PORT:=10000}"
: "${AZURITE_QUEUE_PORT:=10001}"
: "${AZURITE_TABLE_PORT:=10002}"
export ROUTER_ADDR ROUTER_API_KEY

mkdir -p bin .azurite
echo "building the router and the reference model ..."
go build -o bin/router ./router/cmd/router
go build -o bin/refmodel ./refmodel/cmd/refmodel

source "$root/scripts/children.sh"
cleanup() {
  trap - INT TERM EXIT
  stop_children
}
trap cleanup INT TERM EXIT

"$azurite_bin" --blobHost 127.0.0.1 --blobPort "$AZURITE_BLOB_PORT" \
  --queueHost 127.0.0.1 --queuePort "$AZURITE_QUEUE_PORT" \
  --tableHost 127.0.0.1 --tablePort "$AZURITE_TABLE_PORT" \
  --skipApiVersionCheck --location .azurite --silent >.azurite/azurite.log 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$AZURITE_QUEUE_PORT") 2>/dev/null && break
  sleep 0.1
done

# Two models, so that the fleet is visible from the first command: the
# reference model, and a second one that answers under its own name with
# weights of its own. Each has its app (a refmodel server) and runs its own
# micro-batches (the local executor passes MODEL_VERSION, which the batch
# command answers as).
HOST=127.0.0.1 PORT="$REFMODEL_PORT" SERVED_MODEL_NAME=reference-1 bin/refmodel serve &
pids+=($!)
HOST=127.0.0.1 PORT="$REFMODEL_SMALL_PORT" SERVED_MODEL_NAME=reference-small-1 bin/refmodel serve &
pids+=($!)
revisions=""
if [[ -n "$CANARY_FAULT_RATE" ]]; then
  HOST=127.0.0.1 PORT="$REFMODEL_CANARY_PORT" SERVED_MODEL_NAME=reference-1 FAULT_RATE="$CANARY_FAULT_RATE" bin/refmodel serve &
  pids+=($!)
  revisions=",\"revisions\":[
    {\"name\":\"v1\",\"inference_url\":\"http://127.0.0.1:$REFMODEL_PORT/infer\",\"weight\":$((100 - CANARY_WEIGHT))},
    {\"name\":\"v2\",\"inference_url\":\"http://127.0.0.1:$REFMODEL_CANARY_PORT/infer\",\"weight\":$CANARY_WEIGHT}],
   \"rollback\":{\"max_error_ratio\":0.05,\"latency_percentile\":95,\"max_latency_ratio\":2,\"min_requests\":20,\"window_seconds\":60}"
fi

# Azurite's published development account; it opens nothing but this emulator.
dev_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$dev_key;BlobEndpoint=http://127.0.0.1:$AZURITE_BLOB_PORT/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$AZURITE_QUEUE_PORT/devstoreaccount1;"
export INFERENCE_URL="http://127.0.0.1:$REFMODEL_PORT/infer"
if [[ -z "${MODELS:-}" ]]; then
  MODELS=$(cat <<JSON
[{"name":"reference-1","key":"ref","aliases":["chat"],"fallbacks":["reference-small-1"],
  "inference_url":"http://127.0.0.1:$REFMODEL_PORT/infer","version":"reference-1"$revisions},
 {"name":"reference-small-1","key":"small","aliases":["small"],
  "inference_url":"http://127.0.0.1:$REFMODEL_SMALL_PORT/infer","version":"reference-small-1"}]
JSON
)
fi
export MODELS
export EXECUTOR=local LOCAL_BATCH_COMMAND="$root/bin/refmodel batch"
# OpenAI batch lines in the micro-batches: the reference model reads them, and
# the OpenAI Batch API needs them (docs/openai.md).
export INFERENCE_API="${INFERENCE_API:-openai}"
export DISPATCH_VISIBILITY="${DISPATCH_VISIBILITY:-30s}"

bin/router &
pids+=($!)

cat <<MSG

  router     http://$ROUTER_ADDR   (API key: $ROUTER_API_KEY)
  models     reference-1 (alias chat)  http://127.0.0.1:$REFMODEL_PORT/infer
             reference-small-1 (alias small)  http://127.0.0.1:$REFMODEL_SMALL_PORT/infer
  azurite    blob 127.0.0.1:$AZURITE_BLOB_PORT, queue 127.0.0.1:$AZURITE_QUEUE_PORT (data in .azurite/)

  realtime:  curl -s -H "Authorization: Bearer $ROUTER_API_KEY" -H "X-Route: realtime" \\
               -d '{"text":"hello"}' http://$ROUTER_ADDR/v1/infer
  the other model: add -H "X-Model: reference-small-1" (or "model" in the body)
  batch:     curl -s -H "Authorization: Bearer $ROUTER_API_KEY" -H "X-Route: batch" \\
               -d '{"text":"hello"}' http://$ROUTER_ADDR/v1/infer
             curl -s -H "Authorization: Bearer $ROUTER_API_KEY" http://$ROUTER_ADDR/v1/jobs/<id>
  openai:    export OPENAI_BASE_URL=http://$ROUTER_ADDR/v1 OPENAI_API_KEY=$ROUTER_API_KEY
             curl -sS \$OPENAI_BASE_URL/chat/completions -H "Authorization: Bearer \$OPENAI_API_KEY" \\
               -d '{"model":"reference-1","messages":[{"role":"user","content":"hi"}],"stream":true}'
             (the Batch API walkthrough: docs/openai.md)
  smoke:     bash scripts/smoke.sh      (Ctrl-C here stops everything)

MSG
# Exit when any child exits (and then stop the others).
wait -n "${pids[@]}"
