#!/usr/bin/env bash
# Measures the GUI under Xvfb (issue 2): cold start to window, and RSS and idle
# CPU of `earshot --demo` against a bare Fyne window measured in the same run.
# Prints one "name value unit" line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
. scripts/proc.sh
need_packages $EARSHOT_BUILD_PACKAGES $EARSHOT_GUI_TEST_PACKAGES
need_go
export LANG=en_US.UTF-8
go build -o bin/earshot ./cmd/earshot
go build -o bin/barefyne ./cmd/barefyne
data=$(mktemp -d)
start_xvfb
trap 'kill ${pids:-} 2>/dev/null || true; stop_xvfb; rm -rf "$data"' EXIT

settle=${SETTLE_SECONDS:-10}
# A cold start: drop the page cache when we may (root), so the binary and its
# libraries come from disk as after a reboot.
cold="warm page cache"
if sync && echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then cold="page cache dropped"; fi
t0=$(date +%s%N)
./bin/earshot --demo --data "$data" 2>/dev/null &
app=$!
pids="$app"
wait_window Earshot 30 >/dev/null
t1=$(date +%s%N)
./bin/barefyne 2>/dev/null &
bare=$!
pids="$app $bare"
wait_window "Bare Fyne" 30 >/dev/null
sleep "$settle"

app_rss=$(rss_kb "$app")
bare_rss=$(rss_kb "$bare")
app_cpu=$(cpu_percent "$app" 10)
bare_cpu=$(cpu_percent "$bare" 10)
awk -v ms=$(((t1 - t0) / 1000000)) -v c="$cold" 'BEGIN { printf "gui_start_to_window %.2f s (%s)\n", ms / 1000, c }'
echo "gui_rss $((app_rss / 1024)) MB"
echo "bare_fyne_rss $((bare_rss / 1024)) MB"
awk -v a="$app_rss" -v b="$bare_rss" 'BEGIN { printf "gui_rss_ratio %.2f x\n", a / b }'
echo "gui_idle_cpu $app_cpu %"
echo "bare_fyne_idle_cpu $bare_cpu %"
