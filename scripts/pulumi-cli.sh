#!/usr/bin/env bash
# Builds the Pulumi CLI the engine tests drive (internal/harness/enginetest) from the
# Go module proxy into .tools/pulumi/bin/pulumi and prints that path. Plugins
# and the Go language host cannot be downloaded here; the tests need only the
# CLI itself (inline programs, attached fake providers, a built policy pack).
#
# tools/pulumicli pins the CLI (a `tool` directive, its own go.mod/go.sum) so
# the program's go.mod does not carry the CLI's dependencies. The binary is
# rebuilt only when that pin changes: about 8 minutes cold on 2 cores, nothing
# warm. The version ldflag matters: without it the binary reports v3.0.0-dev
# and the Automation API refuses it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=v3.276.0
out=.tools/pulumi/bin/pulumi
stamp=.tools/pulumi/pin.sha256
pin=$(cat tools/pulumicli/go.mod tools/pulumicli/go.sum | sha256sum | cut -d' ' -f1)

if [[ -x "$out" && -f "$stamp" && "$(cat "$stamp")" == "$pin" ]]; then
  echo "$out"
  exit 0
fi

mkdir -p "$(dirname "$out")"
start=$(date +%s)
echo "pulumi-cli: building the Pulumi CLI $version (cold: about 8 minutes)" >&2
(cd tools/pulumicli && go build -o "../../$out" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2
got=$("$out" version)
if [[ "$got" != "$version" ]]; then
  echo "pulumi-cli: built CLI reports $got, want $version" >&2
  exit 1
fi
echo "$pin" > "$stamp"
echo "pulumi-cli: built in $(( $(date +%s) - start ))s" >&2
echo "$out"
