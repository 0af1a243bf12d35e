#!/usr/bin/env bash
# Proves the README's two commands on a bare Debian: a fresh
# `debootstrap --variant=minbase bookworm` chroot (what a debian:bookworm
# container holds), Go copied into /usr/local/go, and a clean clone of this
# repository's HEAD. It runs `bash scripts/demo.sh` until the window
# "Earshot" shows on a private Xvfb of the host, then `bash scripts/test.sh`.
# Needs root on a Debian/Ubuntu host; everything it starts is stopped by id.
#
#   sudo bash scripts/debian-check.sh [WORKDIR]   (default /var/tmp/earshot-debian-check)
#
# Logs: WORKDIR/demo.log and WORKDIR/test.log.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
repo=$(pwd)
work=${1:-/var/tmp/earshot-debian-check}
root="$work/root"
need_packages debootstrap git xvfb xdotool
goroot=$(dirname "$(dirname "$(command -v go || echo /usr/local/go/bin/go)")")
[ -x "$goroot/bin/go" ] || { echo "Go not found (PATH or /usr/local/go)" >&2; exit 1; }

mkdir -p "$work"
if [ ! -x "$root/bin/bash" ]; then
	timeout 1800 debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1
fi
mounts=()
cleanup() {
	kill "${demo:-}" 2>/dev/null || true
	[ -n "${demo:-}" ] && wait_bounded "$demo" 10 || true
	stop_xvfb
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
for m in proc sys dev dev/pts; do
	mkdir -p "$root/$m"
	mount --bind "/$m" "$root/$m"
	mounts+=("$root/$m")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
# A network that reaches the registries through a TLS-inspecting proxy has
# its CA in the host's local certificates: the chroot's ca-certificates
# package takes it up from the same folder when it is installed.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
	mkdir -p "$root/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi
rm -rf "$root/usr/local/go"
cp -a "$goroot" "$root/usr/local/go"
rm -rf "$root/src/earshot"
mkdir -p "$root/src"
git clone -q "$repo" "$root/src/earshot"
echo "clean clone of $(git -C "$repo" rev-parse --short HEAD) in $root/src/earshot"

# 1. bash scripts/demo.sh: pass once its window shows (on the host's Xvfb,
# whose socket the chroot sees).
start_xvfb
mkdir -p "$root/tmp/.X11-unix"
mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
mounts+=("$root/tmp/.X11-unix")
t0=$(date +%s)
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	DISPLAY="$DISPLAY" bash -c 'cd /src/earshot && exec bash scripts/demo.sh' >"$work/demo.log" 2>&1 &
demo=$!
win=
while [ $(($(date +%s) - t0)) -lt 3600 ] && kill -0 "$demo" 2>/dev/null; do
	if win=$(wait_window Earshot 5); then break; fi
done
if [ -n "$win" ]; then
	echo "PASS demo.sh: window \"Earshot\" after $(($(date +%s) - t0)) s"
	import -window "$win" "$work/demo.png" 2>/dev/null || true
else
	echo "FAIL demo.sh: no window (after $(($(date +%s) - t0)) s)"; tail -20 "$work/demo.log"; exit 1
fi
kill -TERM "$demo"
wait_bounded "$demo" 10 || true
demo=
stop_xvfb
umount -l "$root/tmp/.X11-unix"
unset 'mounts[-1]'

# 2. bash scripts/test.sh, as CI runs it.
t0=$(date +%s)
rc=0
timeout 7200 chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	bash -c 'cd /src/earshot && exec bash scripts/test.sh' >"$work/test.log" 2>&1 || rc=$?
if [ "$rc" -eq 0 ]; then
	echo "PASS test.sh after $(($(date +%s) - t0)) s"
else
	echo "FAIL test.sh (exit $rc) after $(($(date +%s) - t0)) s"; tail -30 "$work/test.log"; exit 1
fi
