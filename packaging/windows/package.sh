#!/usr/bin/env bash
# Builds Earshot for Windows on Linux into dist/: earshot.exe (the window, GUI
# subsystem, cgo through mingw-w64) and earshotd.exe (headless), both with the
# icon and a version resource, and earshot-VERSION-x64.msi made with wixl.
# Installs its own tools. Set EARSHOT_SKIP_BUILD=1 to package the .exe files
# already in build/windows/.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/deps.sh
need_packages gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 msitools wixl imagemagick
need_go
. packaging/version.sh

work=build/windows
mkdir -p "$work" dist

# The icon, from the app icon.
convert assets/icons/earshot.png -define icon:auto-resize=256,64,48,32,16 "$work/earshot.ico"

# A version resource per binary: an .rc compiled by windres into a .syso in the
# package's folder, where `go build` links it; removed again afterwards.
comma=$(echo "$EARSHOT_VERSION" | tr . ,),0
sysos=()
cleanup() { rm -f "${sysos[@]}"; }
trap cleanup EXIT
resource() { # NAME DESC PKGDIR
	sed -e "s/@VERSION@/$EARSHOT_VERSION/g" -e "s/@COMMA@/$comma/g" -e "s/@NAME@/$1/g" -e "s/@DESC@/$2/g" \
		-e "s|@ICON@|1 ICON \"$(pwd)/$work/earshot.ico\"|" packaging/windows/earshot.rc.in >"$work/$1.rc"
	x86_64-w64-mingw32-windres -O coff -i "$work/$1.rc" -o "$3/rsrc_windows_amd64.syso"
	sysos+=("$3/rsrc_windows_amd64.syso")
}
if [ "${EARSHOT_SKIP_BUILD:-}" != 1 ]; then
	resource earshot "Earshot" cmd/earshot
	resource earshotd "Earshot headless service" cmd/earshotd
	export GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc
	go build -ldflags "$EARSHOT_LDFLAGS -H windowsgui" -o "$work/earshot.exe" ./cmd/earshot
	go build -ldflags "$EARSHOT_LDFLAGS" -o "$work/earshotd.exe" ./cmd/earshotd
	unset GOOS GOARCH CGO_ENABLED CC
	cleanup
fi
for f in earshot.exe earshotd.exe; do
	[ -f "$work/$f" ] || { echo "package-windows: $work/$f is missing" >&2; exit 1; }
done
# -H windowsgui: the PE optional header's subsystem is 2 (GUI), not 3 (console).
sub=$(od -An -tu2 -j $(($(od -An -tu4 -j 60 -N4 "$work/earshot.exe") + 92)) -N2 "$work/earshot.exe" | tr -d ' ')
[ "$sub" = 2 ] || { echo "package-windows: earshot.exe subsystem is $sub, not GUI (2)" >&2; exit 1; }
for f in earshot.exe earshotd.exe; do
	x86_64-w64-mingw32-objdump -h "$work/$f" | grep -q '\.rsrc' &&
		LC_ALL=C grep -qaP "P\x00r\x00o\x00d\x00u\x00c\x00t\x00V\x00e\x00r\x00s\x00i\x00o\x00n\x00(\x00)*$(echo "$EARSHOT_VERSION" | sed 's/./&\\x00/g')" "$work/$f" ||
		{ echo "package-windows: $f has no version resource for $EARSHOT_VERSION" >&2; exit 1; }
done
cp "$work/earshot.exe" "$work/earshotd.exe" dist/

bash packaging/windows/msi.sh "$work" "dist/earshot-$EARSHOT_VERSION-x64.msi"
