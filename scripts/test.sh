#!/usr/bin/env bash
# Everything CI checks: vet, and all tests (fuzz seed corpora run as ordinary
# tests; the router's integration tests start their own Azurite; the engine
# tests in internal/harness/enginetest drive the Pulumi CLI that scripts/pulumi-cli.sh
# builds — about 8 minutes the first time, cached after).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
AZURITE_BIN="$(bash scripts/azurite.sh)"
export AZURITE_BIN
bash scripts/pulumi-cli.sh >/dev/null
go vet ./...
go test ./...
