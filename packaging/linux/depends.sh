#!/usr/bin/env bash
# Prints the .deb Depends line for the given binaries: the Debian package of
# every shared library they link (ldd, then dpkg -S), as "pkg (>= installed
# upstream version)" so a clean Debian pulls them in.
set -euo pipefail
declare -A seen
out=()
for lib in $(ldd "$@" 2>/dev/null | awk '/=> \//{print $3}' | sort -u); do
	real=$(readlink -f "$lib")
	pkg=$(dpkg -S "$real" 2>/dev/null | head -n1 | cut -d: -f1) || true
	[ -z "$pkg" ] && pkg=$(dpkg -S "$lib" 2>/dev/null | head -n1 | cut -d: -f1) || true
	if [ -z "$pkg" ]; then
		echo "depends: no Debian package owns $lib" >&2
		exit 1
	fi
	[ -n "${seen[$pkg]:-}" ] && continue
	seen[$pkg]=1
	ver=$(dpkg-query -W -f='${Version}' "$pkg" | sed -E 's/^[0-9]+://; s/[-+~].*$//')
	out+=("$pkg (>= $ver)")
done
IFS=','; echo "${out[*]}" | sed 's/,/, /g'
