#!/usr/bin/env bash
# `make chaos`: the router's fault suite (router/chaos) with every scenario —
# kill -9 of the router and of the model mid-batch, kill -9 of the router
# mid Batch API batch, the storage emulator
# restarted during acceptance, concurrent retries with one key, a poison
# input in a full micro-batch, slow clients, and a no-fault race — on
# Azurite, bounded by a 15-minute timeout. Prints per scenario accepted,
# succeeded, failed, lost and duplicated runs; fails on any lost job, and on
# a duplicated run in the no-fault race.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
AZURITE_BIN="$(bash scripts/azurite.sh)"
export AZURITE_BIN CHAOS=1
go test ./router/chaos/ -count=1 -timeout 15m -v 2>&1 |
  grep -E '^(=== RUN|--- |scenario|.* [0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$|PASS|FAIL|ok|\s+\S+_test\.go)'
