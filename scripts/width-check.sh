#!/usr/bin/env bash
# The window fits a small screen: on an 800×600 Xvfb screen, in German (the
# longest of the five languages), it opens every page of the navigation bar,
# every tab of a device page and a selected call, and after each reads the
# window's size; it fails when the window is wider or taller than the
# screen. Prints one "step width×height" line per step.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages $EARSHOT_BUILD_PACKAGES $EARSHOT_GUI_TEST_PACKAGES
need_go
export LANG=de_DE.UTF-8 EARSHOT_LANGUAGE=${EARSHOT_LANGUAGE:-de}
screen_w=${SCREEN_W:-800} screen_h=${SCREEN_H:-600}
go build -o bin/earshot ./cmd/earshot
work=$(mktemp -d)
EARSHOT_XVFB_SCREEN="${screen_w}x${screen_h}x24" start_xvfb
trap 'kill "${app:-}" 2>/dev/null || true; stop_xvfb; rm -rf "$work"' EXIT

fail=0
# size WIN: the window's width and height in pixels.
size() { xdotool getwindowgeometry "$1" | sed -n 's/.*Geometry: \([0-9]*\)x\([0-9]*\).*/\1 \2/p'; }
check() {
	local step=$1 win=$2 w h
	read -r w h < <(size "$win")
	printf '%-28s %s×%s\n' "$step" "$w" "$h"
	if [ "$w" -gt "$screen_w" ] || [ "$h" -gt "$screen_h" ]; then
		echo "FAIL: $step makes the window ${w}×${h}, larger than the ${screen_w}×${screen_h} screen"
		fail=1
	fi
}
# run STEP ARGS... [-- ACTION]: start earshot, wait for its window, check.
run() {
	local step=$1
	shift
	./bin/earshot --data "$work/data" --demo "$@" 2>>"$work/stderr" &
	app=$!
	local win
	win=$(wait_window Earshot 30) || { echo "no window for $step" >&2; cat "$work/stderr" >&2; exit 1; }
	sleep "${SETTLE_SECONDS:-2}"
	check "$step" "$win"
	if [ -n "${act:-}" ]; then
		"$act" "$win"
		check "$step + $act" "$win"
	fi
	kill -TERM "$app"
	wait_bounded "$app" 10 || true
}
select_call() {
	# The first row of the call list, under the chart.
	xdotool mousemove --window "$1" "${CALL_X:-420}" "${CALL_Y:-330}" click 1
	sleep 1
}
run devices
run history --page history
act=select_call run history-call --page history
run outbox --page outbox
# PAGES_ONLY=1 leaves out the device pages (a quicker run).
[ -n "${PAGES_ONLY:-}" ] || for dev in "Jabra Evolve2" "Jabra Engage 75 Base" "Jabra Speak2" "Jabra PanaCast" "kuando" "Poly"; do
	for tab in overview settings firmware; do
		run "$dev/$tab" --show "$dev" --tab "$tab" 2>/dev/null || true
	done
done
[ "$fail" -eq 0 ] && echo "PASS: every page fits ${screen_w}×${screen_h}"
exit "$fail"
