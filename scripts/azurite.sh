#!/usr/bin/env bash
# Installs Azurite from the repository's package-lock.json if it is missing
# and prints the path of its binary. Usage: bin=$(bash scripts/azurite.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/node_modules/.bin/azurite"
if [[ ! -x "$bin" ]]; then
  command -v npm >/dev/null || { echo "npm is needed to install Azurite (apt-get install npm)" >&2; exit 1; }
  echo "installing Azurite with npm ci ..." >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
echo "$bin"
