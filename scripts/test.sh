#!/usr/bin/env bash
# Runs every Earshot check: formatting, vet, the import rules of docs/ARCHITECTURE.md,
# all tests with the race detector (the headless Fyne tests with -tags ci),
# and the real binary's window under Xvfb. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages $EARSHOT_BUILD_PACKAGES $EARSHOT_GUI_TEST_PACKAGES $EARSHOT_CROSS_PACKAGES
# wixl and msitools: packaging/windows/msi_test.go builds the MSI and reads its tables.
need_packages wixl msitools
# gnome-keyring: app/config's tests run a real Secret Service on a private
# D-Bus session bus (dbus-daemon comes with the GUI test packages).
need_packages gnome-keyring
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

step "cross-build for windows/amd64 (cgo with mingw)"
# Code that cannot run here must still compile and link: the headless
# binary (the command line, the service and every driver), the reference
# backend, and the HID transport's test binary (the hidapi functions
# device/hid declares are resolved against karalabe/hid's C code only at
# link time); every package below the window is vetted for Windows. The
# window's own earshot.exe is built by `make package-windows`: mingw compiles
# Fyne's OpenGL binding (4 MB of cgo) for up to an hour cold on two busy
# cores, which CI's time cannot afford on every run.
cross_out=$(mktemp -d)
win() { GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc "$@"; }
win go build -o "$cross_out/" ./cmd/earshotd ./cmd/earshot-backend
win go test -c -o "$cross_out/hid.test.exe" ./device/hid
win go vet ./app/... ./device/... ./store/... ./cmd/internal/... ./cmd/earshotd
rm -rf "$cross_out"

step "go vet for darwin (every package that builds without cgo)"
# A package is skipped when it, or a package outside this module that it or
# its tests import, cannot compile for darwin without cgo (Fyne's drivers);
# a failure inside this module fails the step.
mod=$(go list -m)
darwin_skip=""
for p in $(GOOS=darwin CGO_ENABLED=0 go list -e -f '{{.ImportPath}}' ./...); do
	if out=$(GOOS=darwin CGO_ENABLED=0 go vet -tags ci "$p" 2>&1); then
		continue
	fi
	failing=$(printf '%s\n' "$out" | sed -n 's/^# \([^ ]*\).*/\1/p' | sort -u)
	if [ -n "$failing" ] && ! printf '%s\n' "$failing" | grep -q "^$mod\(/\|$\)"; then
		darwin_skip="$darwin_skip $p"
		continue
	fi
	if printf '%s\n' "$out" | grep "build constraints exclude all Go files in" | grep -vq "$PWD"; then
		darwin_skip="$darwin_skip $p"
		continue
	fi
	printf '%s\n' "$out"
	exit 1
done
if [ -n "$darwin_skip" ]; then echo "skipped, they need cgo on darwin:$darwin_skip"; fi

step "import rules (docs/ARCHITECTURE.md)"
bash scripts/check-imports.sh

step "docs references (the repository stands alone)"
bash scripts/check-docs.sh

step "translations"
go test -count=1 ./translations/

step "go test -race (headless Fyne tests under -tags ci)"
go test -race -tags ci -count=1 -timeout 20m ./...

step "crash and chaos, short form (docs/RELIABILITY.md)"
bash scripts/chaos.sh

step "the real window under Xvfb"
bash scripts/gui-check.sh

step "packages: make package-linux (.deb and tarball, validated)"
# About 3 minutes with the packages go test compiled; the install into a clean
# Debian chroot (packaging/linux/check.sh) needs root and a mirror, so it is
# run by hand. The MSI's tables are checked by packaging/windows/msi_test.go
# above; make package-windows (earshot.exe needs Fyne's cgo for mingw, up to
# an hour cold) is not run here.
bash packaging/linux/package.sh
