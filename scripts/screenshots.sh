#!/usr/bin/env bash
# Screenshots of every main view of the real binary under Xvfb, into
# docs/screenshots/ (the README shows them). Look at them after a GUI change.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages $EARSHOT_BUILD_PACKAGES $EARSHOT_GUI_TEST_PACKAGES
need_go
export LANG=en_US.UTF-8
out=${SCREENSHOTS_DIR:-docs/screenshots}
mkdir -p "$out"
go build -o bin/earshot ./cmd/earshot
go build -o bin/earshot-backend ./cmd/earshot-backend
work=$(mktemp -d)
echo '{"devices": [], "timeline": []}' >"$work/empty.json"
start_xvfb
trap 'kill "${app:-}" "${backend:-}" "${sink:-}" 2>/dev/null || true; stop_xvfb; rm -rf "$work"' EXIT

# shot NAME ARGS...: run earshot with ARGS, wait for its window, let the
# scenario settle, and capture the window. With prep=FUNCTION, FUNCTION
# prepares the fresh data folder first; with act=FUNCTION, FUNCTION is called
# with the window's id before the capture, to type or click in it.
shot() {
	local name=$1
	shift
	rm -rf "$work/data"
	if [ -n "${prep:-}" ]; then "$prep"; fi
	./bin/earshot --data "$work/data" "$@" 2>>"$work/stderr" &
	app=$!
	local win
	win=$(wait_window Earshot 30) || { echo "no window for $name" >&2; cat "$work/stderr" >&2; exit 1; }
	sleep "${SETTLE_SECONDS:-3}"
	if [ -n "${act:-}" ]; then "$act" "$win"; fi
	import -window "$win" "$out/$name.png"
	kill -TERM "$app"
	wait_bounded "$app" 10 || true
	echo "$out/$name.png"
}

shot devices-light --demo --theme light
shot devices-dark --demo --theme dark
shot device-page --demo --theme light --show "Jabra Evolve2"
shot device-page-dark --demo --theme dark --show "Jabra Engage 75"
shot empty --sim "$work/empty.json" --theme light

# The Settings tab. The light shot clicks into the search field, Tabs to the
# first setting and changes it with the arrow keys, so an edit waits for
# Apply; the dark one searches "wireless": a setting that needs a restart and
# one the driver cannot write.
click_search() {
	xdotool mousemove --window "$1" 370 118 click 1
	sleep 0.3
}
edit_sidetone() {
	click_search "$1"
	for key in Tab Tab Tab Tab Right Right; do
		xdotool key --window "$1" "$key"
		sleep 0.15
	done
	sleep 0.8
}
search_wireless() {
	click_search "$1"
	xdotool type --window "$1" --delay 40 wireless
	sleep 0.8
}
act=edit_sidetone shot settings --demo --theme light --show "Jabra Evolve2" --tab settings
act=search_wireless shot settings-dark --demo --theme dark --show "Jabra Evolve2" --tab settings

# The Firmware tab and the confirmation of an update staged by hand: the
# reference backend serves its example firmware, `earshot firmware stage`
# downloads it into the shot's data folder, and --apply-firmware opens the
# same dialog as the tab's "Update now…" button.
./bin/earshot-backend --dir "$work/backend" --init --listen 127.0.0.1:0 >"$work/backend.out" 2>>"$work/stderr" &
backend=$!
for _ in $(seq 1 100); do
	grep -q 'DEVICEMANAGEMENTENDPOINT' "$work/backend.out" 2>/dev/null && break
	sleep 0.05
done
endpoint=$(sed -n 's/.*DEVICEMANAGEMENTENDPOINT = "\(.*\)"/\1/p' "$work/backend.out")
stage_firmware() {
	./bin/earshot --data "$work/data" --demo firmware stage "Jabra Evolve2" \
		"$endpoint/Firmware/Jabra-Evolve2-85-1.27.0.zip" >/dev/null 2>>"$work/stderr"
}
prep=stage_firmware shot firmware --demo --theme light --show "Jabra Evolve2" --tab firmware
prep=stage_firmware shot firmware-confirm --demo --theme light --show "Jabra Evolve2" --apply-firmware

# "Download and install": IT's catalog folder lists 1.27.0 with its file
# beside it, so the Firmware tab offers it in one click.
mkdir -p "$work/catalog/Firmware"
cp "$work/backend/Firmware/Jabra-Evolve2-85-1.27.0.zip" "$work/catalog/Firmware/"
cat >"$work/catalog/resource-mapping-it.xml" <<'XML'
<devices>
  <device name="Jabra Evolve2 85">
    <variants><variant vid="2830" pid="12452" variantType="01-96"/></variants>
    <fwVersions>
      <fwVersion version="1.27.0" firmwareFile="Firmware/Jabra-Evolve2-85-1.27.0.zip">
        <releaseNote>• New feature: Voice prompts in Japanese
• Updated: Sidetone adjustments
• Fixed: Multipoint could drop the second connection after a call</releaseNote>
      </fwVersion>
    </fwVersions>
  </device>
</devices>
XML
EARSHOT_CATALOGDIR="$work/catalog" shot firmware-offer --demo --theme light --show "Jabra Evolve2" --tab firmware
kill "$backend"
wait_bounded "$backend" 5 || true

# The Call history page: the demo writes its two weeks of calls at its first
# start on a data folder, and plays for 45 s, so today has calls and a camera
# session of its own. The dark shot selects the newest call to show its details.
select_first_call() {
	xdotool mousemove --window "$1" 400 400 click 1
	sleep 0.8
}
SETTLE_SECONDS=45 shot history --demo --theme light --page history
SETTLE_SECONDS=45 act=select_first_call shot history-dark --demo --theme dark --page history

# The Outbox page: the demo posts to three analytics endpoints — one is down
# (its last error and next retry show), one refuses PeopleCount (those events
# are parked, with the reason), and one takes everything.
go build -o bin/analyticssink ./scripts/analyticssink
./bin/analyticssink --refuse PeopleCount >"$work/sink.out" 2>>"$work/stderr" &
sink=$!
for _ in $(seq 1 100); do
	[ -s "$work/sink.out" ] && break
	sleep 0.05
done
sinkurl=$(head -n1 "$work/sink.out")
EARSHOT_ANALYTICSENDPOINT="http://127.0.0.1:9/analytics|$sinkurl/strict/events?Token=abc123|$sinkurl/events" \
	SETTLE_SECONDS=12 shot outbox --demo --theme light --page outbox
kill "$sink"
wait_bounded "$sink" 5 || true


# Presence and a lit busylight: a desk with a headset whose call starts at
# 1 s beside a kuando Omega, so after a few seconds the page shows "On the
# phone" decided by the call, and the light is lit in that state's colour.
cat >"$work/desk.json" <<'JSON'
{"devices": [
  {"id": "hs", "kind": "headset", "name": "Jabra Evolve2 65", "vendorId": "0B0E", "productId": "30A3",
   "esn": "50C2F1D8A417", "firmware": "1.2.0", "battery": {"level": 80}},
  {"id": "bl", "kind": "busylight", "name": "kuando Busylight Omega", "vendorId": "27BB", "productId": "3BCD"}],
 "timeline": [{"at": "0s", "do": "attach", "device": "hs"}, {"at": "0s", "do": "attach", "device": "bl"},
  {"at": "1s", "do": "callStart", "device": "hs"}, {"at": "600s", "do": "callEnd", "device": "hs"}]}
JSON
EARSHOT_PRESENCEAPI=on SETTLE_SECONDS=5 shot presence --sim "$work/desk.json" --theme light --page presence
SETTLE_SECONDS=5 shot busylight --sim "$work/desk.json" --theme light --show "kuando"

# ---- issue 15 (packages and deployment): the Preferences page -------------
# Settings from IT's --config file and the environment, a password (shown
# masked), and two keys IT set machine-wide — the file EARSHOT_SYSTEM_CONFIG
# names stands in for /etc/earshot/config.toml — so their rows, and the
# tray switch, show locked with the reason; in English and in German.
cat >"$work/it.toml" <<'TOML'
DEVICEMANAGEMENTENDPOINT = "https://devices.example.com/api"
USERNAME = "earshot-fleet"
CHECKFORUPDATESINTERVALMINUTES = 1440
TOML
mkdir -p "$work/etc"
cat >"$work/etc/config.toml" <<'TOML'
ANALYTICSENDPOINT = "http://127.0.0.1:9/events?Token=abc123"
TRAYICON = false
TOML
export EARSHOT_SYSTEM_CONFIG="$work/etc/config.toml"
EARSHOT_PASSWORD=screenshot-secret XDG_CONFIG_HOME="$work/xdg" \
	shot preferences --demo --theme light --page preferences --config "$work/it.toml"
LANG=de_DE.UTF-8 EARSHOT_PASSWORD=screenshot-secret XDG_CONFIG_HOME="$work/xdg" \
	shot preferences-de --demo --theme light --page preferences --config "$work/it.toml"
unset EARSHOT_SYSTEM_CONFIG
# ---- end of issue 15 ------------------------------------------------------

# Every main view on a small screen in German (the longest of the five
# languages): 800×600, into small-de-*.png. Look at them: nothing may be
# cut off (scripts/width-check.sh measures the window's width).
stop_xvfb
EARSHOT_XVFB_SCREEN=800x600x24 start_xvfb
export EARSHOT_LANGUAGE=de
shot small-de-devices --demo --theme light
shot small-de-history --demo --theme light --page history
shot small-de-outbox --demo --theme light --page outbox
shot small-de-device --demo --theme light --show "Jabra Evolve2"
shot small-de-settings --demo --theme light --show "Jabra Evolve2" --tab settings
EARSHOT_CATALOGDIR="$work/catalog" shot small-de-firmware --demo --theme light --show "Jabra Evolve2" --tab firmware
shot small-de-presence --sim "$work/desk.json" --theme light --page presence
EARSHOT_SYSTEM_CONFIG="$work/etc/config.toml" shot small-de-preferences --demo --theme light --page preferences
unset EARSHOT_LANGUAGE

if grep -q "Error in Fyne call thread" "$work/stderr"; then
	echo "Fyne threading error while taking screenshots:" >&2
	grep -A3 "Error in Fyne call thread" "$work/stderr" >&2
	exit 1
fi
