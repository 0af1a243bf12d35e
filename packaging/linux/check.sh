#!/usr/bin/env bash
# Installs the built .deb into a clean Debian bookworm (a debootstrap chroot),
# runs `earshot version` and `earshotd version` from it, purges it and checks
# that nothing is left behind. Run by hand after `make package-linux` (needs
# root and network to Debian's mirror; it is not part of scripts/test.sh).
# The minimal Debian is made once and kept as a tarball in build/chroot-cache/
# inside this clone; every run unpacks a fresh copy from it.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/deps.sh
need_packages debootstrap
. packaging/version.sh
[ "$(id -u)" -eq 0 ] || { echo "check.sh: needs root for the chroot" >&2; exit 1; }
arch=$(dpkg --print-architecture)
deb=dist/earshot_${EARSHOT_VERSION}_$arch.deb
[ -f "$deb" ] || { echo "check.sh: $deb is missing; run make package-linux first" >&2; exit 1; }

mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
cache=build/chroot-cache/bookworm-minbase.tar
if [ ! -f "$cache" ]; then
	echo "== debootstrap --variant=minbase bookworm from $mirror (once; cached in $cache)"
	mkdir -p build/chroot-cache
	tmp=build/chroot-cache/tmp
	rm -rf "$tmp"
	debootstrap --variant=minbase bookworm "$tmp" "$mirror" >build/chroot-cache/debootstrap.log 2>&1 ||
		{ tail -n 20 build/chroot-cache/debootstrap.log >&2; exit 1; }
	tar -C "$tmp" -cf "$cache.part" . && mv "$cache.part" "$cache"
	rm -rf "$tmp"
fi

dir=$(pwd)/build/chroot-run
cleanup() {
	mountpoint -q "$dir/proc" && umount "$dir/proc" || true
	rm -rf "$dir"
}
trap cleanup EXIT
cleanup
mkdir -p "$dir"
tar -C "$dir" -xf "$cache"
cp /etc/resolv.conf "$dir/etc/resolv.conf"
mount -t proc proc "$dir/proc"
inroot() { chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

echo "== the libraries the .deb depends on, from Debian"
depends=$(dpkg-deb -f "$deb" Depends | sed -E 's/ \([^)]*\)//g; s/,/ /g')
inroot apt-get update -qq
inroot env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $depends >/dev/null
inroot apt-get clean

# What is on the disk before; the same must be there after the purge.
snapshot() {
	(cd "$dir" && find . -xdev \( -path ./proc -o -path ./tmp -o -path ./var/log -o -path ./var/cache \
		-o -path ./var/lib/apt/lists \) -prune -o -print | grep -v -- '-old$' | LC_ALL=C sort)
}
snapshot >build/chroot-before.txt

echo "== dpkg -i $deb"
cp "$deb" "$dir/tmp/earshot.deb"
inroot dpkg -i /tmp/earshot.deb
# Earshot makes its data folder in the running user's home at start; that is
# the user's and not the package's, so it goes to /tmp (outside the snapshot).
run() { inroot env HOME=/tmp/home XDG_DATA_HOME=/tmp/home/data "$@"; }
got=$(run earshot version 2>/dev/null)
echo "$got"
case "$got" in "earshot $EARSHOT_VERSION "*) ;; *) echo "check.sh: earshot version printed '$got'" >&2; exit 1 ;; esac
run earshotd version --json
for f in /usr/lib/udev/rules.d/70-earshot.rules /usr/lib/systemd/user/earshot.service \
	/usr/share/applications/org.earshot.Earshot.desktop /usr/share/metainfo/org.earshot.Earshot.metainfo.xml; do
	[ -f "$dir$f" ] || { echo "check.sh: $f not installed" >&2; exit 1; }
done
if [ -e "$dir/etc/systemd/user/default.target.wants/earshot.service" ]; then
	echo "check.sh: the user unit is enabled; it must be off by default" >&2
	exit 1
fi

echo "== dpkg --purge earshot"
mkdir -p "$dir/etc/earshot" && echo 'TRAYICON = "NO"' >"$dir/etc/earshot/config.toml"
inroot dpkg --purge earshot
rm -f "$dir/tmp/earshot.deb"
snapshot >build/chroot-after.txt
if ! diff -u build/chroot-before.txt build/chroot-after.txt; then
	echo "check.sh: purging earshot left the files above" >&2
	exit 1
fi
echo "check.sh: installed, ran earshot $EARSHOT_VERSION, purged; nothing left behind"
