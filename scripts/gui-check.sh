#!/usr/bin/env bash
# The real binary under Xvfb: the window titled "Earshot" opens within 5 s on
# the demo, the running GUI owns the demo devices (asked over the local API),
# and Fyne reports no threading error. Leaves out/gui-check.png to look at.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages $EARSHOT_BUILD_PACKAGES $EARSHOT_GUI_TEST_PACKAGES
need_go
export LANG=en_US.UTF-8

mkdir -p out
go build -o bin/earshot ./cmd/earshot
data=$(mktemp -d)
log=out/gui-check.stderr
start_xvfb
trap 'kill "${app:-}" "${inner:-}" 2>/dev/null || true; stop_xvfb; rm -rf "$data"' EXIT

t0=$(date +%s%N)
./bin/earshot --demo --data "$data" 2>"$log" &
app=$!
if ! win=$(wait_window Earshot 5); then
	echo "FAIL: no window titled Earshot within 5 s"; cat "$log"; exit 1
fi
t1=$(date +%s%N)
printf 'window "Earshot" after %d ms\n' $(((t1 - t0) / 1000000))

sleep 2
n=$(./bin/earshot devices --demo --json --data "$data" | grep -c '"DeviceName"' || true)
echo "the running GUI owns $n demo devices"
[ "$n" -ge 6 ] || { echo "FAIL: want at least 6 devices"; exit 1; }
import -window "$win" out/gui-check.png
kill -TERM "$app"
rc=0
wait_bounded "$app" 10 || rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: earshot exited with $rc on SIGTERM"; cat "$log"; exit 1; }

# Fyne's own log lines go to Earshot's log file (cmd/earshot/fynelog.go).
cat "$data/logs/earshot.log" >"$log.file" 2>/dev/null || true
# Again with a session bus but neither a notification service nor a tray
# host on it: notifications go to the window's banner and the tray stays off,
# without Fyne's complaints about the bus.
rm -rf "$data"/*
# The shell inside the session writes its id and becomes earshot (exec), so
# the signal goes to earshot by its id; the session ends when it exits.
pidfile="$data.pid"
dbus-run-session -- sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$pidfile" \
	./bin/earshot --demo --data "$data" 2>"$log.bus" &
app=$!
wait_window Earshot 5 >/dev/null || { echo "FAIL: no window with a session bus"; cat "$log"; exit 1; }
sleep 1
inner=$(cat "$pidfile")
rm -f "$pidfile"
kill -TERM "$inner"
rc=0
wait_bounded "$app" 10 || rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: earshot with a session bus exited with $rc on SIGTERM"; cat "$log.bus"; exit 1; }
# dbus-daemon's own lines (it cannot raise its fd limit here) are not ours.
grep -v '^dbus-daemon\[' "$log.bus" >>"$log" || true
rm -f "$log.bus"
cat "$data/logs/earshot.log" >>"$log.file" 2>/dev/null || true
if grep -q "Error in Fyne call thread" "$log.file"; then
	echo "FAIL: Fyne threading error in the log:"; grep "Error in Fyne call thread" "$log.file" | head -3; exit 1
fi
if grep -qE "Error in Fyne call thread|^panic:|Fyne error|systray error" "$log"; then
	echo "FAIL: the window printed errors:"; grep -A3 -E "Error in Fyne call thread|^panic:|Fyne error|systray error" "$log"; exit 1
fi
echo "PASS: window, devices, with and without a session bus, nothing on stderr from Fyne (screenshot out/gui-check.png)"
