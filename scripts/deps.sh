# Sourced by the other scripts: installs what Earshot needs on Debian/Ubuntu and
# checks the Go toolchain. Installs nothing that is already there.
#   need_packages PKG...   apt-get install the missing ones (sudo when not root)
#   need_go                fail with the prerequisite when Go < 1.26

EARSHOT_BUILD_PACKAGES="gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev"
EARSHOT_GUI_TEST_PACKAGES="xvfb imagemagick xdotool dbus"
# The mingw C compiler, so CI cross-builds the Windows binaries with cgo
# (karalabe/hid, the Windows HID transport, is C).
EARSHOT_CROSS_PACKAGES="gcc-mingw-w64-x86-64"

need_packages() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	echo "Installing ${missing[*]}" >&2
	$sudo apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

need_go() {
	if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
		export PATH="/usr/local/go/bin:$PATH"
	fi
	if ! command -v go >/dev/null 2>&1; then
		echo "Earshot needs Go 1.26 or newer (https://go.dev/doc/install); Debian's own golang package is too old." >&2
		exit 1
	fi
	local v
	v=$(go env GOVERSION | sed 's/^go//')
	case "$v" in
	1.2[6-9]* | 1.[3-9][0-9]* | [2-9].*) ;;
	*)
		echo "Earshot needs Go 1.26 or newer; found go$v (https://go.dev/doc/install)." >&2
		exit 1
		;;
	esac
	export PATH="$(go env GOPATH)/bin:$PATH"
}

# free_display prints an X display number no server uses.
free_display() {
	local n=99
	while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
	echo "$n"
}

# start_xvfb starts a private X server and exports DISPLAY; stop_xvfb ends it.
start_xvfb() {
	local n
	n=$(free_display)
	Xvfb ":$n" -screen 0 1280x860x24 -nolisten tcp >/dev/null 2>&1 &
	EARSHOT_XVFB_PID=$!
	export DISPLAY=":$n"
	for _ in $(seq 1 200); do
		# Ready once a client can talk to it, not when the socket file appears.
		xdotool getdisplaygeometry >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "Xvfb did not start" >&2
	return 1
}

stop_xvfb() {
	[ -n "${EARSHOT_XVFB_PID:-}" ] && kill "$EARSHOT_XVFB_PID" 2>/dev/null || true
	wait "${EARSHOT_XVFB_PID:-}" 2>/dev/null || true
}

# wait_window TITLE SECONDS prints the id of the first visible window titled
# exactly TITLE, waiting at most SECONDS; fails when none appears.
wait_window() {
	local title=$1 deadline id
	deadline=$(($(date +%s%N) + $2 * 1000000000))
	while [ "$(date +%s%N)" -lt "$deadline" ]; do
		id=$(xdotool search --onlyvisible --name "^$title\$" 2>/dev/null | head -n 1 || true)
		if [ -n "$id" ]; then
			echo "$id"
			return 0
		fi
		sleep 0.05
	done
	return 1
}
