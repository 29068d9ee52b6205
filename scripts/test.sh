#!/usr/bin/env bash
# Everything CI checks: vet, and all tests (fuzz seed corpora run as ordinary
# tests; the router's integration tests start their own Azurite).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
AZURITE_BIN="$(bash scripts/azurite.sh)"
export AZURITE_BIN
go vet ./...
go test ./...
