#!/usr/bin/env bash
# Dispatch throughput, before and after, side by side: runs
# BenchmarkDispatchAzurite (local executor, a batch command that only echoes
# its input, on Azurite), BenchmarkAcceptAzurite (the acceptance rate it is
# measured against) and BenchmarkDispatchLatency (the dispatcher on in-memory
# stores with 5 ms per storage call) on this tree and on a baseline commit,
# interleaved, and prints jobs/s with ratios. Both are checked out afresh
# (after = HEAD, committed work only), so editing the tree meanwhile is safe. The baseline gets this tree's benchmark file,
# which uses only the API both have.
#
# Usage: scripts/bench-dispatch.sh [baseline-commit]   (default 95fcc31, the
# dispatcher before it made its per-job storage calls in parallel)
# Knobs: BENCH_JOBS (jobs per run, 512), BENCH_ROUNDS (2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
base="${1:-95fcc31}"
jobs="${BENCH_JOBS:-512}"
rounds="${BENCH_ROUNDS:-2}"
AZURITE_BIN="$(bash scripts/azurite.sh)"
export AZURITE_BIN

tmp="$(mktemp -d)"
cleanup() {
  git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true
  git worktree remove --force "$tmp/after" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
git worktree add --detach -q "$tmp/base" "$base"
git worktree add --detach -q "$tmp/after" HEAD
cp "$tmp/after/router/dispatch/bench_test.go" "$tmp/base/router/dispatch/bench_test.go"

# run DIR LABEL: one benchmark run in DIR, figures appended to $tmp/LABEL.
run() {
  (cd "$1" && go test ./router/dispatch/ -run '^$' -bench 'Azurite$|Latency$' -benchtime "${jobs}x" -count 1) |
    awk -v label="$2" '/^Benchmark/ { for (i = 1; i <= NF; i++) if ($(i+1) == "jobs/s") print label, $1, $i }' >>"$tmp/figures"
}
for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds ..." >&2
  run "$tmp/base" before
  run "$tmp/after" after
done
awk '
  { sub(/-[0-9]+$/, "", $2); sum[$1 " " $2] += $3; n[$1 " " $2]++ }
  END {
    printf "%-28s %12s %12s %8s\n", "benchmark (jobs/s, mean)", "before", "after", "ratio"
    split("BenchmarkDispatchAzurite BenchmarkAcceptAzurite BenchmarkDispatchLatency", names, " ")
    for (i = 1; i <= 3; i++) {
      b = sum["before " names[i]] / n["before " names[i]]; a = sum["after " names[i]] / n["after " names[i]]
      printf "%-28s %12.1f %12.1f %7.2fx\n", names[i], b, a, a / b
      if (i == 1) { db = b; da = a } else if (i == 2) { ab = b; aa = a }
    }
    printf "%-28s %12.2f %12.2f\n", "dispatch / accept", db / ab, da / aa
  }' "$tmp/figures"
