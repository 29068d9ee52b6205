#!/usr/bin/env bash
# A two-region local run: regions swedencentral and westus3, each its own
# Azurite, reference model and router with the local executor, peers of each
# other with spill-over on — as two regional stacks behind one front door
# are. In the foreground; Ctrl-C stops everything. Try:
#   kill the model of swedencentral (its pid is printed), then send realtime
#   requests to swedencentral: westus3 answers them (X-Region); a job
#   accepted by swedencentral is read through westus3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
azurite_bin="$(bash scripts/azurite.sh)"
: "${ROUTER_API_KEY:=local-dev-key}"
export ROUTER_API_KEY

mkdir -p bin .azurite-regions
echo "building the router and the reference model ..."
go build -o bin/router ./router/cmd/router
go build -o bin/refmodel ./refmodel/cmd/refmodel

source "$root/scripts/children.sh"
cleanup() {
  trap - INT TERM EXIT
  stop_children
}
trap cleanup INT TERM EXIT

dev_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
routers=()
# region name, router port, model port, Azurite's first port
regions=("swedencentral 8080 8000 10000" "westus3 8090 8010 10010")
for r in "${regions[@]}"; do
  read -r name router model az <<<"$r"
  mkdir -p ".azurite-regions/$name"
  "$azurite_bin" --blobHost 127.0.0.1 --blobPort "$az" --queueHost 127.0.0.1 --queuePort $((az + 1)) \
    --tableHost 127.0.0.1 --tablePort $((az + 2)) --skipApiVersionCheck --location ".azurite-regions/$name" --silent \
    >".azurite-regions/$name/azurite.log" 2>&1 &
  pids+=($!)
  HOST=127.0.0.1 PORT="$model" bin/refmodel serve &
  pids+=($!)
  echo "model of $name: pid $! (kill it to see $name's realtime requests spill over)"
done
for r in "${regions[@]}"; do
  read -r name router model az <<<"$r"
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$((az + 1))") 2>/dev/null && break
    sleep 0.1
  done
  peers=""
  for p in "${regions[@]}"; do
    read -r pname prouter _ _ <<<"$p"
    [[ "$pname" == "$name" ]] || peers="[{\"region\":\"$pname\",\"url\":\"http://127.0.0.1:$prouter\"}]"
  done
  ROUTER_ADDR="127.0.0.1:$router" REGION="$name" PEERS="$peers" SPILLOVER=realtime \
  STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$dev_key;BlobEndpoint=http://127.0.0.1:$az/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$((az + 1))/devstoreaccount1;" \
  INFERENCE_URL="http://127.0.0.1:$model/infer" EXECUTOR=local LOCAL_BATCH_COMMAND="$root/bin/refmodel batch" \
  INFERENCE_API=openai DISPATCH_VISIBILITY=30s bin/router &
  pids+=($!)
  routers+=($!)
done
cat <<MSG

  swedencentral  http://127.0.0.1:8080     westus3  http://127.0.0.1:8090     (API key: $ROUTER_API_KEY)

  realtime:  curl -si -H "Authorization: Bearer $ROUTER_API_KEY" -H "X-Route: realtime" -H "X-Deadline-Ms: 10000" \\
               -d '{"text":"hello"}' http://127.0.0.1:8080/v1/infer | grep -i -e x-region -e model
             (port 8090 for westus3). Each region's app starts cold: the first request to a region is
             refused 503 cold_start_too_slow and wakes it. Only a warm peer takes spill-over, so send
             one request to each region before killing a model.
  a job of swedencentral read through westus3:
             id=\$(curl -s -H "Authorization: Bearer $ROUTER_API_KEY" -H "X-Route: batch" -d '{"text":"later"}' \\
               http://127.0.0.1:8080/v1/infer | sed 's/.*"id":"\\([^"]*\\)".*/\\1/')
             curl -s -H "Authorization: Bearer $ROUTER_API_KEY" http://127.0.0.1:8090/v1/jobs/\$id
MSG
# Exit when a router exits (a model may be killed on purpose).
wait -n "${routers[@]}"
