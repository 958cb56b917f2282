#!/usr/bin/env bash
# `make pulumi-cli`: a Pulumi CLI for this checkout, in .tools/pulumi/bin (git-ignored).
#
# A `pulumi` already on PATH (installed the normal way) is used as it is. Otherwise this builds the CLI from
# its Go module (github.com/pulumi/pulumi/pkg/v3, main package cmd/pulumi) with the ordinary `go` tool, for
# machines where Pulumi's installers cannot download a release. Beside it go the Python language host that
# `runtime: python` projects need (scripts/pulumi-cli/pulumi-language-python) and the two scripts of the
# Python SDK that the CLI runs: pulumi-language-python-exec (runs the program) and
# pulumi-resource-pulumi-python (the dynamic-provider plugin). A second run with nothing changed takes seconds.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/scripts/pulumi-cli"
TOOLS="$ROOT/.tools/pulumi"
BIN="$TOOLS/bin"
SRC="$TOOLS/src"
# The CLI release to build. The Python SDK we install from PyPI may be older; the CLI accepts older SDKs.
VERSION="${PULUMI_CLI_VERSION:-3.274.1}"
# A fork that pkg/v3's own go.mod puts in place of github.com/atotto/clipboard (its other replace is local).
CLIPBOARD_FORK="github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e"

say() { printf 'make pulumi-cli: %s\n' "$*"; }
started=$(date +%s)

on_path=$(PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$BIN" | paste -sd: -) command -v pulumi || true)
if [ -n "$on_path" ] && [ -z "${PULUMI_CLI_FORCE_BUILD:-}" ]; then
  say "using $on_path ($("$on_path" version 2>/dev/null || echo 'version unknown')) from PATH; nothing to build"
  exit 0
fi

stamp_value="$VERSION $(cat "$HERE/pulumi-language-python/main.go" "$0" | sha256sum | cut -c1-16)"
if [ -x "$BIN/pulumi" ] && [ -x "$BIN/pulumi-language-python" ] && [ -x "$BIN/pulumi-resource-pulumi-python" ] \
  && [ "$(cat "$TOOLS/.stamp" 2>/dev/null)" = "$stamp_value" ]; then
  say "$BIN/pulumi $("$BIN/pulumi" version) is up to date"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  say "Go is not installed: install Go 1.26 or newer (or the Pulumi CLI itself) and run it again" >&2
  exit 1
fi

say "building Pulumi CLI v$VERSION and its Python language host with $(go version | cut -d' ' -f3) into $BIN"
say "a cold build downloads about 1.6 GB of Go modules and compiles for several minutes; later runs reuse Go's caches"
rm -rf "$SRC"
mkdir -p "$SRC" "$BIN"
cat >"$SRC/go.mod" <<EOF
module pulumi-workmail-tools

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 v$VERSION
	github.com/pulumi/pulumi/sdk/v3 v$VERSION
)

replace github.com/atotto/clipboard => $CLIPBOARD_FORK
EOF
cat >"$SRC/tools.go" <<'EOF'
//go:build tools

// Package tools makes `go mod tidy` keep the CLI's dependencies.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
EOF
cp -r "$HERE/pulumi-language-python" "$SRC/"

cd "$SRC"
step=$(date +%s)
say "resolving modules (go mod tidy)"
go mod tidy
say "resolved in $(($(date +%s) - step)) s"

ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION"
step=$(date +%s)
say "compiling pulumi"
go build -trimpath -ldflags "$ldflags" -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
say "compiling pulumi-language-python"
go vet ./pulumi-language-python
go build -trimpath -ldflags "$ldflags" -o "$BIN/pulumi-language-python" ./pulumi-language-python
say "compiled in $(($(date +%s) - step)) s"

# The module cache keeps files without their run bits, so install the SDK's two scripts with mode 755.
sdk=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 755 "$sdk/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
install -m 755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$BIN/pulumi-resource-pulumi-python"

printf '%s\n' "$stamp_value" >"$TOOLS/.stamp"
say "built $BIN/pulumi $("$BIN/pulumi" version) in $(($(date +%s) - started)) s"
say "the Makefile puts $BIN on PATH for make test and make demo; elsewhere: export PATH=\"$BIN:\$PATH\""
