#!/usr/bin/env bash
# `make bench`: the router against nginx and against the backend direct
# (realtime proxy), and against raw azqueue puts (batch accept), measured
# side by side in one run on 127.0.0.1, printed as a table with ratios.
# BENCHMARKS.md explains the set-up and records a run.
#
# Knobs (environment): BENCH_DURATION (s, per scenario, default 10),
# BENCH_WARMUP (s, default 2), BENCH_CONNS (realtime connections, 32),
# BENCH_BATCH_CONNS (batch clients, 16), BENCH_ROUNDS (interleaved rounds,
# medians reported, 2), BENCH_PIN (1: servers on CPU 0, load generator on
# CPU 1; 0: no pinning), BENCH_PROFILE (auto: profile the router when its
# throughput is below nginx's; 1 always; 0 never), BENCH_PHASES ("realtime
# batch", or one of them), BENCH_OUT (where figures and the profile are kept,
# default bench/out), BENCH_BASELINE (a commit: its router is measured too in
# the batch phase, side by side, as router-no-key-base and
# router-idempotent-base).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

duration="${BENCH_DURATION:-10}"
warmup="${BENCH_WARMUP:-2}"
conns="${BENCH_CONNS:-32}"
batch_conns="${BENCH_BATCH_CONNS:-16}"
rounds="${BENCH_ROUNDS:-2}"
pin="${BENCH_PIN:-1}"
profile="${BENCH_PROFILE:-auto}"
phases="${BENCH_PHASES:-realtime batch}"
baseline="${BENCH_BASELINE:-}"
out="${BENCH_OUT:-$root/bench/out}"
key="bench-key"

# Tools: wrk and nginx from Debian, installed only if missing.
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  [[ $EUID == 0 ]] || { echo "wrk and nginx are needed: apt-get install -y wrk nginx" >&2; exit 1; }
  echo "installing wrk and nginx from Debian ..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >&2
fi
azurite_bin="$(bash scripts/azurite.sh)"
if [[ $pin == 1 ]] && { ! command -v taskset >/dev/null || (($(nproc) < 2)); }; then
  echo "BENCH_PIN=1 needs taskset and 2 CPUs; running unpinned" >&2
  pin=0
fi

tmp="$(mktemp -d)"
chmod 711 "$tmp" # nginx runs as another user and must reach its directory
mkdir -p "$out" "$tmp/bin" "$tmp/nginx"
source "$root/scripts/children.sh"
cleanup() {
  trap - INT TERM EXIT
  stop_children
  [[ -n $baseline ]] && git worktree remove --force "$tmp/base" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup INT TERM EXIT

# free_port VAR sets VAR to a loopback port nothing listens on; ports of this
# run are taken in order, so two calls never hand out the same one.
next_port=$((20000 + RANDOM % 20000))
free_port() {
  while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
  printf -v "$1" '%s' "$next_port"
  next_port=$((next_port + 1))
}
wait_port() {
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1 ($2); its log:" >&2
  tail -20 "$tmp/$2.log" >&2 || true
  return 1
}

# Pinned layout: the system under test (proxy and backend, or the router and
# Azurite's clients) on CPU 0 with one thread of execution each (GOMAXPROCS=1,
# nginx worker_processes 1), the load generator on CPU 1, so neither starves
# the other and every target gets the same single core. Unpinned: all share
# both cores (GOMAXPROCS=2, worker_processes 2, wrk with 2 threads).
if [[ $pin == 1 ]]; then
  on_server=(taskset -c 0) on_client=(taskset -c 1) procs=1 wrk_threads=1
else
  on_server=() on_client=() procs=2 wrk_threads=2
fi

echo "building the router and the benchmark tools ..." >&2
go build -o "$tmp/bin/" ./router/cmd/router ./bench/cmd/backend ./bench/cmd/batchload ./bench/cmd/benchreport ./bench/cmd/routerprof ./bench/cmd/goproxy

if [[ -n $baseline ]]; then
  echo "building the router of $baseline ..." >&2
  git worktree add --detach -q "$tmp/base" "$baseline"
  (cd "$tmp/base" && go build -o "$tmp/bin/router-base" ./router/cmd/router)
fi

for p in backend_port router_port nginx_port goproxy_port blob_port queue_port table_port prof_port pprof_port base_port; do free_port "$p"; done

# Azurite, in memory. In the batch phase it stands in for a remote storage
# service: CPU 1 when pinned, away from the router.
azurite_cpu=()
[[ $pin == 1 ]] && azurite_cpu=(taskset -c 1)
"${azurite_cpu[@]}" "$azurite_bin" --inMemoryPersistence --skipApiVersionCheck --silent \
  --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" \
  --tableHost 127.0.0.1 --tablePort "$table_port" >"$tmp/azurite.log" 2>&1 &
pids+=($!)
wait_port "$queue_port" azurite

# Azurite's published development account; it opens nothing but this emulator.
dev_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
conn="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$dev_key;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;"

GOMAXPROCS=$procs "${on_server[@]}" "$tmp/bin/backend" -addr "127.0.0.1:$backend_port" 2>"$tmp/backend.log" &
pids+=($!)
wait_port "$backend_port" backend

# The router as deployed, except: no dispatcher (EXECUTOR=none) and a
# realtime capacity (MAX_ACA_REPLICAS x 10) far above the connections, so no
# request is refused as realtime_saturated. Its JSON request log goes to a
# file, as a container's stdout would be collected.
ROUTER_ADDR="127.0.0.1:$router_port" ROUTER_API_KEY="$key" EXECUTOR=none MAX_ACA_REPLICAS=1000 \
  INFERENCE_URL="http://127.0.0.1:$backend_port/infer" STORAGE_CONNECTION_STRING="$conn" \
  GOMAXPROCS=$procs "${on_server[@]}" "$tmp/bin/router" >"$tmp/router.log" 2>&1 &
pids+=($!)
wait_port "$router_port" router

# The baseline's router, the same way, on its own queue and containers.
if [[ -n $baseline ]]; then
  ROUTER_ADDR="127.0.0.1:$base_port" ROUTER_API_KEY="$key" EXECUTOR=none MAX_ACA_REPLICAS=1000 \
    INFERENCE_URL="http://127.0.0.1:$backend_port/infer" STORAGE_CONNECTION_STRING="$conn" \
    WORK_QUEUE=base-work POISON_QUEUE=base-poison REQUEST_CONTAINER=base-requests RESULT_CONTAINER=base-results \
    GOMAXPROCS=$procs "${on_server[@]}" "$tmp/bin/router-base" >"$tmp/router-base.log" 2>&1 &
  pids+=($!)
  wait_port "$base_port" router-base
fi

# The Go floor: the standard library's reverse proxy and nothing else.
GOMAXPROCS=$procs "${on_server[@]}" "$tmp/bin/goproxy" -addr "127.0.0.1:$goproxy_port" \
  -target "http://127.0.0.1:$backend_port" 2>"$tmp/goproxy.log" &
pids+=($!)
wait_port "$goproxy_port" goproxy

# nginx as the comparable reverse proxy: keep-alive upstream, streaming both
# ways (the router streams too), an unbuffered access log per request (the
# router logs every request too). Unprivileged, high port, config in $tmp.
ngx="$tmp/nginx"
cat >"$ngx/nginx.conf" <<NGINX
worker_processes $procs;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 4096; }
http {
  access_log $ngx/access.log;
  client_body_temp_path $ngx/client_body;
  proxy_temp_path $ngx/proxy;
  fastcgi_temp_path $ngx/fastcgi;
  uwsgi_temp_path $ngx/uwsgi;
  scgi_temp_path $ngx/scgi;
  upstream backend {
    server 127.0.0.1:$backend_port;
    keepalive 256;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location /infer {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
NGINX
as_user=()
if [[ $EUID == 0 ]]; then
  chown -R 65534:65534 "$ngx"
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
"${on_server[@]}" "${as_user[@]}" nginx -p "$ngx" -e "$ngx/error.log" -c "$ngx/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_port "$nginx_port" nginx/error

# One request body and header set for every realtime target; the backend
# ignores what it does not need. wrk's done() prints one tab-separated line:
# req/s, p50 µs, p99 µs, errors (non-2xx and socket errors).
cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"text":"benchmark request body"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
wrk.headers["X-Route"] = "realtime"
wrk.headers["X-Deadline-Ms"] = "120000"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT\t%.1f\t%.1f\t%.1f\t%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    e.status + e.connect + e.read + e.write + e.timeout))
end
LUA
export BENCH_KEY="$key"

figures="$out/figures.tsv"
{
  echo "# $(date -u +%FT%TZ) conns=$conns batch_conns=$batch_conns duration=${duration}s warmup=${warmup}s pin=$pin"
  echo "# phase	target	ops/s	p50_us	p99_us	errors"
} >"$figures"

# wrk_run PHASE TARGET URL CONNS: a warm-up run, then the measured one.
wrk_run() {
  local phase=$1 target=$2 url=$3 c=$4 threads=$wrk_threads
  ((c < threads)) && threads=$c
  "${on_client[@]}" wrk -t"$threads" -c"$c" -d"${warmup}s" -s "$tmp/post.lua" "$url" >/dev/null
  local line
  line=$("${on_client[@]}" wrk -t"$threads" -c"$c" -d"${duration}s" --latency -s "$tmp/post.lua" "$url" | grep '^RESULT')
  printf '%s\t%s\t%s\n' "$phase" "$target" "$(cut -f2- <<<"$line")" | tee -a "$figures"
}

# batch_run TARGET ARGS...: batchload against the router or raw azqueue. The
# generator shares CPU 0 with the router (pinned): in the raw case it makes
# the SDK calls the router would make, on the same core, and Azurite keeps
# CPU 1 to itself either way.
batch_run() {
  local target=$1
  shift
  local line
  line=$(GOMAXPROCS=$procs "${on_server[@]}" "$tmp/bin/batchload" -label "$target" -conns "$batch_conns" \
    -warmup "${warmup}s" -duration "${duration}s" "$@")
  printf 'batch\t%s\n' "$line" | tee -a "$figures"
}

declare -A url=(
  [direct]="http://127.0.0.1:$backend_port/infer"
  [nginx]="http://127.0.0.1:$nginx_port/infer"
  [router]="http://127.0.0.1:$router_port/v1/infer"
  [go-httputil]="http://127.0.0.1:$goproxy_port/infer"
)
# Each round runs every scenario once; rounds interleave so that a burst of
# other work on the shared cores hits one round of each target, not one target.
for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds" >&2
  if [[ " $phases " == *" realtime "* ]]; then
    for target in direct nginx go-httputil router; do wrk_run realtime-load "$target" "${url[$target]}" "$conns"; done
    for target in direct nginx go-httputil router; do wrk_run realtime-latency "$target" "${url[$target]}" 1; done
  fi
  if [[ " $phases " == *" batch "* ]]; then
    batch_run raw-azqueue -target azqueue -connection-string "$conn" -queue bench-raw
    batch_run router-no-key -target router -url "${url[router]}" -key "$key" -idempotency=false
    batch_run router-idempotent -target router -url "${url[router]}" -key "$key" -idempotency=true
    if [[ -n $baseline ]]; then
      batch_run router-no-key-base -target router -url "http://127.0.0.1:$base_port/v1/infer" -key "$key" -idempotency=false
      batch_run router-idempotent-base -target router -url "http://127.0.0.1:$base_port/v1/infer" -key "$key" -idempotency=true
    fi
  fi
done

# The profile: the same router (router/app, same environment) in the
# routerprof harness, which adds pprof (the binary has no profiling endpoint),
# same CPU and GOMAXPROCS, under the same wrk load.
median_rps() { grep -P "^realtime-load\t$1\t" "$figures" | cut -f3 | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
if [[ $profile == 1 ]] || { [[ $profile == auto ]] && awk -v r="$(median_rps router)" -v n="$(median_rps nginx)" 'BEGIN {exit !(r < n)}'; }; then
  ROUTER_ADDR="127.0.0.1:$prof_port" ROUTER_API_KEY="$key" EXECUTOR=none MAX_ACA_REPLICAS=1000 \
    INFERENCE_URL="http://127.0.0.1:$backend_port/infer" STORAGE_CONNECTION_STRING="$conn" \
    GOMAXPROCS=$procs "${on_server[@]}" "$tmp/bin/routerprof" -pprof "127.0.0.1:$pprof_port" \
    >"$tmp/routerprof.log" 2>&1 &
  pids+=($!)
  wait_port "$prof_port" routerprof
  echo "profiling the router under load (${duration}s) ..." >&2
  curl -s -o "$out/router-cpu.pprof" "http://127.0.0.1:$pprof_port/debug/pprof/profile?seconds=$duration" &
  curl_pid=$!
  wrk_run realtime-load router-profiled "http://127.0.0.1:$prof_port/v1/infer" "$conns"
  wait "$curl_pid"
  go tool pprof -top -nodecount=30 "$tmp/bin/routerprof" "$out/router-cpu.pprof" >"$out/router-cpu-flat.txt" 2>/dev/null
  go tool pprof -top -cum -nodecount=45 "$tmp/bin/routerprof" "$out/router-cpu.pprof" >"$out/router-cpu-cum.txt" 2>/dev/null
fi

{
  echo "date        $(date -u +'%F %T UTC')"
  echo "machine     $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -h | awk '/^Mem:/ {print $2}') memory"
  echo "software    $(go version | cut -d' ' -f3), $(nginx -v 2>&1 | cut -d' ' -f3), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), azurite $("$azurite_bin" --version 2>/dev/null)"
  echo "commit      $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- router || echo ' (router/ has uncommitted changes)')${baseline:+, baseline $baseline}"
  echo "layout      $([[ $pin == 1 ]] && echo 'pinned: proxies and backend on CPU 0 (GOMAXPROCS=1, nginx 1 worker), wrk on CPU 1; batch: router and batchload on CPU 0, Azurite on CPU 1' || echo 'unpinned: all share the CPUs (GOMAXPROCS=2, nginx 2 workers, wrk 2 threads)')"
  echo "scenario    ${warmup}s warm-up + ${duration}s measured, $rounds interleaved rounds, medians; realtime bodies 33 B, batch bodies 256 B"
  "$tmp/bin/benchreport" -conns "$conns" -batch-conns "$batch_conns" <"$figures"
  if [[ -s $out/router-cpu-flat.txt ]]; then
    echo
    echo "router CPU profile (flat; full views in $out/router-cpu-{flat,cum}.txt)"
    sed -n '1,22p' "$out/router-cpu-flat.txt"
  fi
} | tee "$out/report.txt"
