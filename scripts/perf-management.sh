#!/usr/bin/env bash
# Measures `earshot service --demo` with device management and analytics on
# (issue 6), against the reference backend on loopback: how long the demo
# headset takes to be configured and updated, and RSS and CPU over 20 s.
# Prints one "name value unit" line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
. scripts/proc.sh
need_go
go build -o bin/earshot ./cmd/earshot
go build -o bin/earshot-backend ./cmd/earshot-backend
work=$(mktemp -d)
trap 'kill "${svc:-}" "${backend:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
./bin/earshot-backend --dir "$work/backend" --init --listen 127.0.0.1:0 >"$work/backend.out" 2>"$work/backend.err" &
backend=$!
for _ in $(seq 1 100); do
	grep -q ANALYTICSENDPOINT "$work/backend.out" 2>/dev/null && break
	sleep 0.05
done
dm=$(sed -n 's/.*DEVICEMANAGEMENTENDPOINT = "\(.*\)"/\1/p' "$work/backend.out")
ev=$(sed -n 's/.*ANALYTICSENDPOINT *= "\(.*\)"/\1/p' "$work/backend.out")
start=$(date +%s%N)
EARSHOT_DEVICEMANAGEMENTENDPOINT=$dm EARSHOT_ANALYTICSENDPOINT=$ev \
	./bin/earshot service --demo --data "$work/data" 2>"$work/service.err" &
svc=$!
log="$work/data/logs/earshot.log"
configured="" updated=""
for _ in $(seq 1 600); do
	if [ -z "$configured" ] && grep -q '"device-management configuration applied"' "$log" 2>/dev/null; then
		configured=$((($(date +%s%N) - start) / 1000000))
	fi
	if grep -q '"firmware update succeeded"' "$log" 2>/dev/null; then
		updated=$((($(date +%s%N) - start) / 1000000))
		break
	fi
	sleep 0.02
done
echo "start_to_configured ${configured:-none} ms"
# The demo plays at speed 10 and its headset's update takes 45 scenario s.
echo "start_to_firmware_updated ${updated:-none} ms (4.5 s of it is the simulated update)"
seconds=${MEASURE_SECONDS:-20}
cpu=$(cpu_percent "$svc" "$seconds")
peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$svc/status")
echo "service_rss $(($(rss_kb "$svc") / 1024)) MB"
echo "service_peak_rss $((peak / 1024)) MB"
echo "service_cpu $cpu % of one core over ${seconds} s"
echo "events_received $(wc -l <"$work/backend/events.jsonl") events"
