#!/usr/bin/env bash
# Builds Earshot's Linux packages into dist/: a .deb and a tarball holding both
# binaries, the desktop file, the icons, the AppStream metainfo, the udev rules
# (from the built binary's `earshotd udev-rules`) and a systemd user unit for
# `earshotd service` (off by default). Checks them with dpkg-deb -I/-c,
# desktop-file-validate and appstreamcli validate. Installs its own tools.
# Set EARSHOT_SKIP_BUILD=1 to package the binaries already in bin/.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/deps.sh
need_packages $EARSHOT_BUILD_PACKAGES dpkg-dev desktop-file-utils appstream fakeroot
need_go
. packaging/version.sh

arch=$(dpkg --print-architecture)
[ "${EARSHOT_SKIP_BUILD:-}" = 1 ] || bash packaging/build.sh
for b in bin/earshot bin/earshotd; do
	[ -x "$b" ] || { echo "package-linux: $b is missing; run make build" >&2; exit 1; }
done
if ! bin/earshotd version | grep -q "^earshot $EARSHOT_VERSION "; then
	echo "package-linux: bin/earshotd is not version $EARSHOT_VERSION from VERSION; rebuild it" >&2
	exit 1
fi

work=build/linux
root=$work/root
rm -rf "$work"
mkdir -p "$root/DEBIAN" dist

# The tree, as installed.
install -Dm755 bin/earshot "$root/usr/bin/earshot"
install -Dm755 bin/earshotd "$root/usr/bin/earshotd"
install -Dm644 packaging/linux/org.earshot.Earshot.desktop "$root/usr/share/applications/org.earshot.Earshot.desktop"
install -Dm644 assets/icons/earshot.svg "$root/usr/share/icons/hicolor/scalable/apps/org.earshot.Earshot.svg"
install -Dm644 assets/icons/earshot.png "$root/usr/share/icons/hicolor/512x512/apps/org.earshot.Earshot.png"
mkdir -p "$root/usr/share/metainfo"
sed -e "s/@VERSION@/$EARSHOT_VERSION/" -e "s/@DATE@/${EARSHOT_DATE%%T*}/" \
	packaging/linux/org.earshot.Earshot.metainfo.xml.in >"$root/usr/share/metainfo/org.earshot.Earshot.metainfo.xml"
install -Dm644 packaging/linux/earshot.service "$root/usr/lib/systemd/user/earshot.service"
mkdir -p "$root/usr/lib/udev/rules.d"
if ! bin/earshotd udev-rules >"$root/usr/lib/udev/rules.d/70-earshot.rules" 2>"$work/udev.err"; then
	echo "package-linux: 'earshotd udev-rules' failed; this build has no udev-rules command yet:" >&2
	sed 's/^/  /' "$work/udev.err" >&2
	exit 1
fi
grep -q hidraw "$root/usr/lib/udev/rules.d/70-earshot.rules" || {
	echo "package-linux: 'earshotd udev-rules' printed no hidraw rule" >&2
	exit 1
}
chmod 644 "$root/usr/lib/udev/rules.d/70-earshot.rules"

desktop-file-validate "$root/usr/share/applications/org.earshot.Earshot.desktop"
appstreamcli validate --no-net --pedantic "$root/usr/share/metainfo/org.earshot.Earshot.metainfo.xml"

# Tarball: the same tree under earshot-VERSION/.
tarname=earshot-$EARSHOT_VERSION-linux-$arch
rm -rf "$work/$tarname"
mkdir -p "$work/$tarname"
cp -a "$root/usr" "$work/$tarname/"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$work" -czf "dist/$tarname.tar.gz" "$tarname"

# .deb: the libraries the window links (from ldd, mapped to Debian packages).
depends=$(bash packaging/linux/depends.sh "$root/usr/bin/earshot" "$root/usr/bin/earshotd")
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$EARSHOT_VERSION/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
	packaging/linux/debian/control.in >"$root/DEBIAN/control"
install -m755 packaging/linux/debian/postinst packaging/linux/debian/postrm "$root/DEBIAN/"
deb=dist/earshot_${EARSHOT_VERSION}_$arch.deb
fakeroot dpkg-deb --build -Zxz "$root" "$deb" >/dev/null

dpkg-deb -I "$deb"
listing=$(dpkg-deb -c "$deb")
echo "$listing"
for f in ./usr/bin/earshot ./usr/bin/earshotd ./usr/share/applications/org.earshot.Earshot.desktop \
	./usr/share/metainfo/org.earshot.Earshot.metainfo.xml ./usr/lib/udev/rules.d/70-earshot.rules \
	./usr/lib/systemd/user/earshot.service ./usr/share/icons/hicolor/scalable/apps/org.earshot.Earshot.svg; do
	grep -q " $f\$" <<<"$listing" || { echo "package-linux: $deb lacks $f" >&2; exit 1; }
done
echo "built $deb and dist/$tarname.tar.gz"
