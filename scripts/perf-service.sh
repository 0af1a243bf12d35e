#!/usr/bin/env bash
# Measures `earshot service --demo` (issue 2): RSS and CPU over 20 s.
# Prints one "name value unit" line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
. scripts/proc.sh
need_go
go build -o bin/earshot ./cmd/earshot
data=$(mktemp -d)
./bin/earshot service --demo --data "$data" &
svc=$!
trap 'kill "$svc" 2>/dev/null || true; rm -rf "$data"' EXIT
sleep 2
seconds=${MEASURE_SECONDS:-20}
cpu=$(cpu_percent "$svc" "$seconds")
peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$svc/status")
echo "service_rss $(($(rss_kb "$svc") / 1024)) MB"
echo "service_peak_rss $((peak / 1024)) MB"
echo "service_cpu $cpu % of one core over ${seconds} s"
