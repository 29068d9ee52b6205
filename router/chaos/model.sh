#!/bin/sh
# The batch command of the fault suite: the reference model, plus
# bookkeeping. It records its model process's pid in $MODEL_PIDS (so the
# suite can kill -9 exactly it), dies as an out-of-memory kill would (exit
# 137) on an input containing CRASH_ME, and appends the job ids (or, for
# OpenAI batch lines, the custom_ids) of each run that completed to
# $RUNS_LOG, so runs per job can be counted.
set -u
ids="$(sed -n 's/^{"\(custom_\)\{0,1\}id":"\([^"]*\)".*/\2/p' "$BATCH_INPUT_PATH")"
if grep -q CRASH_ME "$BATCH_INPUT_PATH"; then
  exit 137
fi
"$REFMODEL_BIN" batch &
pid=$!
echo "$pid" >"$MODEL_PIDS/$pid"
wait "$pid"
rc=$?
rm -f "$MODEL_PIDS/$pid"
[ "$rc" -eq 0 ] && printf '%s\n' "$ids" >>"$RUNS_LOG"
exit "$rc"
