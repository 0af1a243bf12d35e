#!/usr/bin/env bash
# Runs every Earshot check: formatting, vet, the import rules of DESIGN.md,
# all tests with the race detector (the headless Fyne tests with -tags ci),
# and the real binary's window under Xvfb. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages $EARSHOT_BUILD_PACKAGES $EARSHOT_GUI_TEST_PACKAGES
# wixl and msitools: packaging/windows/msi_test.go builds the MSI and reads its tables.
need_packages wixl msitools
need_go
export LANG=en_US.UTF-8 LC_ALL=

step() { printf '\n== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change: $unformatted"
	exit 1
fi

step "go vet"
go vet -tags ci ./...

step "import rules (DESIGN.md)"
bash scripts/check-imports.sh

step "docs references (the repository stands alone)"
bash scripts/check-docs.sh

step "translations"
go test -count=1 ./translations/

step "go test -race (headless Fyne tests under -tags ci)"
go test -race -tags ci -count=1 -timeout 20m ./...

step "the real window under Xvfb"
bash scripts/gui-check.sh
