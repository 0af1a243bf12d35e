#!/usr/bin/env bash
# Builds Earshot and opens it on the embedded demo scenario. Installs the
# Debian packages Fyne needs first (needs Go 1.26+, see README).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages $EARSHOT_BUILD_PACKAGES
need_go
echo "Building Earshot (the first build takes a few minutes)…" >&2
go build -o bin/earshot ./cmd/earshot
exec ./bin/earshot --demo "$@"
