#!/usr/bin/env bash
# Builds both binaries for this machine into bin/, stamped with VERSION, the
# commit and the build date: earshot (the window, cgo) and earshotd (headless,
# no cgo on Linux). No -trimpath: the packages compiled by go test are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages $EARSHOT_BUILD_PACKAGES
need_go
. packaging/version.sh
mkdir -p bin
go build -ldflags "$EARSHOT_LDFLAGS" -o bin/earshot ./cmd/earshot
CGO_ENABLED=0 go build -ldflags "$EARSHOT_LDFLAGS" -o bin/earshotd ./cmd/earshotd
echo "built bin/earshot and bin/earshotd $EARSHOT_VERSION ($EARSHOT_COMMIT)"
