#!/usr/bin/env bash
# Builds Earshot.app and earshot-VERSION-macos-ARCH.dmg into dist/. Runs on a
# Mac only (cgo for darwin cannot be cross-built on Linux): CI runs it on a
# macOS runner (.github/workflows/macos.yml). Needs Go and the Xcode command
# line tools (clang, sips, iconutil, hdiutil, plutil).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -s)" = Darwin ] || { echo "package-macos: run this on macOS (see .github/workflows/macos.yml)" >&2; exit 1; }
for t in go clang sips iconutil hdiutil plutil; do
	command -v "$t" >/dev/null || { echo "package-macos: $t is missing (Go from go.dev; the rest: xcode-select --install)" >&2; exit 1; }
done
. packaging/version.sh
arch=$(go env GOARCH)
work=build/macos
app=$work/Earshot.app
rm -rf "$work" && mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources" dist

go build -trimpath -ldflags "$EARSHOT_LDFLAGS" -o "$app/Contents/MacOS/earshot" ./cmd/earshot
CGO_ENABLED=1 go build -trimpath -ldflags "$EARSHOT_LDFLAGS" -o "$app/Contents/MacOS/earshotd" ./cmd/earshotd

# The icon: every size iconutil wants, from the 512 px app icon.
iconset=$work/earshot.iconset
mkdir -p "$iconset"
for s in 16 32 128 256 512; do
	sips -z $s $s assets/icons/earshot.png --out "$iconset/icon_${s}x${s}.png" >/dev/null
	d=$((s * 2))
	[ $d -le 512 ] && sips -z $d $d assets/icons/earshot.png --out "$iconset/icon_${s}x${s}@2x.png" >/dev/null
done
iconutil -c icns "$iconset" -o "$app/Contents/Resources/earshot.icns"

sed "s/@VERSION@/$EARSHOT_VERSION/g" packaging/macos/Info.plist.in >"$app/Contents/Info.plist"
plutil -lint "$app/Contents/Info.plist"
# Ad-hoc signature, so Apple silicon runs it; a release signs with a
# Developer ID and notarizes (not done here: it needs the project's certificate).
codesign --force --deep --sign - "$app"

"$app/Contents/MacOS/earshotd" version | grep -q "^earshot $EARSHOT_VERSION " ||
	{ echo "package-macos: the built earshotd is not version $EARSHOT_VERSION" >&2; exit 1; }

dmg=dist/earshot-$EARSHOT_VERSION-macos-$arch.dmg
stage=$work/dmg
mkdir -p "$stage"
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
hdiutil create -volname "Earshot $EARSHOT_VERSION" -srcfolder "$stage" -ov -format UDZO "$dmg" >/dev/null
hdiutil verify "$dmg"
echo "built $app and $dmg"
