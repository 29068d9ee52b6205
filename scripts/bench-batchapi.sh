#!/usr/bin/env bash
# The Batch API benchmark (bench/cmd/batchapi), before and after, side by
# side: the router of this tree (HEAD, committed work only) and of a baseline
# commit, each with the local executor and a batch command that does no work
# (bench/cmd/noopmodel), against one Azurite on disk. For each: a file of
# BENCH_SMALL_LINES lines, then one of BENCH_LINES (OpenAI's per-batch limit,
# 50,000 lines of BENCH_LINE_BYTES: 200 MB); the baseline's large run is
# given up after BENCH_BEFORE_TIMEOUT. Prints the figures and the targets of
# issue 29 (BENCHMARKS.md records a run).
#
# Usage: scripts/bench-batchapi.sh [baseline-commit]   (default 9fafe03, the
# Batch API that queued a job per line)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
base="${1:-9fafe03}"
small="${BENCH_SMALL_LINES:-5000}"
lines="${BENCH_LINES:-50000}"
line_bytes="${BENCH_LINE_BYTES:-4000}"
before_timeout="${BENCH_BEFORE_TIMEOUT:-10m}"
azurite_bin="$(bash scripts/azurite.sh)"

tmp="$(mktemp -d)"
source "$root/scripts/children.sh"
cleanup() {
  trap - INT TERM EXIT
  stop_children
  git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true
  git worktree remove --force "$tmp/after" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup INT TERM EXIT

echo "building $base and HEAD ..." >&2
git worktree add --detach -q "$tmp/base" "$base"
git worktree add --detach -q "$tmp/after" HEAD
(cd "$tmp/base" && go build -o "$tmp/router-before" ./router/cmd/router)
(cd "$tmp/after" && go build -o "$tmp/router-after" ./router/cmd/router &&
  go build -o "$tmp/" ./bench/cmd/noopmodel ./bench/cmd/batchapi)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
blob=$(free_port) queue=$(free_port) table=$(free_port)
mkdir -p "$tmp/azurite"
"$azurite_bin" --location "$tmp/azurite" --skipApiVersionCheck --silent --blobHost 127.0.0.1 --blobPort "$blob" \
  --queueHost 127.0.0.1 --queuePort "$queue" --tableHost 127.0.0.1 --tablePort "$table" >"$tmp/azurite.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$queue") 2>/dev/null && break; sleep 0.1; done
# Azurite's published development account; it opens nothing but this emulator.
dev_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
conn="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$dev_key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;"

run() { # label router lines timeout; the routers' logs go to $tmp/runs.log
  echo "running $1 ($3 lines) ..." >&2
  if ! "$tmp/batchapi" -router "$2" -model "$tmp/noopmodel" -connection-string "$conn" -lines "$3" -line-bytes "$line_bytes" \
    -label "$1" -timeout "$4" 2>"$tmp/runs.log" >"$tmp/run"; then
    echo "the $1 run failed; its last log lines:" >&2
    tail -5 "$tmp/runs.log" >&2
    return
  fi
  tee -a "$tmp/figures" <"$tmp/run"
}
{
  echo "date      $(date -u +'%F %T UTC')"
  echo "machine   $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commits   before $base, after $(git rev-parse --short HEAD)"
} >&2
printf 'label\tlines\tfile_MB\tupload_s\tvalidated_s\ttotal_at_validated\tcompleted_s\tmax_progress_gap_s\tcompleted\tfailed\tpeak_rss_MiB\tstatus\n'
run "before" "$tmp/router-before" "$small" 30m
run "after" "$tmp/router-after" "$small" 30m
run "before" "$tmp/router-before" "$lines" "$before_timeout"
run "after" "$tmp/router-after" "$lines" 30m
awk -F'\t' -v lines="$lines" '
  $1 == "after" && $2 == lines {
    printf "\ntargets (%d lines, %s MB):\n", lines, $3
    printf "  validated in under 10 s:     %s s, request_counts.total %s  %s\n", $5, $6, ($5 != "-" && $5 < 10 && $6 == lines) ? "met" : "NOT met"
    printf "  completed in under 3 min:    %s s  %s\n", $7, ($7 != "-" && $7 < 180 && $12 == "completed") ? "met" : "NOT met"
    printf "  progress at least every 5 s: longest still %s s  %s\n", $8, ($8 < 5) ? "met" : "NOT met"
    printf "  router RSS under 300 MiB:    peak %s MiB  %s\n", $11, ($11 < 300) ? "met" : "NOT met"
  }' "$tmp/figures"
