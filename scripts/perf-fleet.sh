#!/usr/bin/env bash
# Measures the headless fleet service (issue 13) in one run, beside a bare Go
# program that opens a bbolt database (scripts/barebolt), so the figures hold
# as ratios on a shared, noisy machine. Prints one "name value unit" line per
# figure.
#   MEASURE_SECONDS  idle window for RSS/PSS/CPU (default 60)
#   FLEET_CALLS      calls in the long history (default 1000000)
#   RUNS             runs of each short command in a round (default 10)
#   ROUNDS           rounds of the short commands, taken in turn (default 15)
#   GC_ROUNDS        rounds of the group-commit benchmark and its baseline (default 10)
#   GC_EVENTS        events per benchmark run (default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
. scripts/proc.sh
need_packages time
need_go
seconds=${MEASURE_SECONDS:-60}
ncalls=${FLEET_CALLS:-1000000}
runs=${RUNS:-10}
rounds=${ROUNDS:-15}
gc_rounds=${GC_ROUNDS:-10}
gc_events=${GC_EVENTS:-5000}
mkdir -p bin
CGO_ENABLED=0 go build -o bin/earshotd ./cmd/earshotd
go build -o bin/barebolt ./scripts/barebolt
go build -o bin/cputime ./scripts/cputime
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
# wait_socket DIR: until the owner of DIR answers (at most 30 s).
wait_socket() {
	for _ in $(seq 1 300); do
		./bin/earshotd devices --data "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "the owner of $1 never answered" >&2
	return 1
}

# 1. Idle: the bare program and the service side by side, over the same window.
mkdir -p "$work/bare" "$work/svc"
./bin/barebolt --db "$work/bare/bare.db" --sleep $((seconds + 30))s &
bare=$!
pids+=("$bare")
./bin/earshotd service --demo --data "$work/svc" &
svc=$!
pids+=("$svc")
wait_socket "$work/svc"
sleep 2
hz=$(getconf CLK_TCK)
b0=$(cpu_ticks "$bare"); s0=$(cpu_ticks "$svc")
sleep "$seconds"
b1=$(cpu_ticks "$bare"); s1=$(cpu_ticks "$svc")
pct() { awk -v a="$1" -v b="$2" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.3f", (b - a) / hz / s * 100 }'; }
echo "bare_rss $(awk -v k="$(rss_kb "$bare")" 'BEGIN { printf "%.1f", k / 1024 }') MB"
echo "bare_pss $(awk -v k="$(pss_kb "$bare")" 'BEGIN { printf "%.1f", k / 1024 }') MB"
echo "bare_cpu $(pct "$b0" "$b1") % of one core over ${seconds} s"
echo "service_rss $(awk -v k="$(rss_kb "$svc")" 'BEGIN { printf "%.1f", k / 1024 }') MB"
echo "service_pss $(awk -v k="$(pss_kb "$svc")" 'BEGIN { printf "%.1f", k / 1024 }') MB"
echo "service_rss_anon_file $(awk '/^RssAnon:/ {a=$2} /^RssFile:/ {f=$2} END {printf "%.1f / %.1f", a / 1024, f / 1024}' "/proc/$svc/status") MB"
echo "service_cpu $(pct "$s0" "$s1") % of one core over ${seconds} s (demo playing)"
echo "load_average $(cut -d' ' -f1-3 /proc/loadavg)"
kill "$svc" "$bare"
wait "$svc" 2>/dev/null || true
wait "$bare" 2>/dev/null || true
pids=()

# 2. Short commands: CPU time against the bare program opening a database,
# from each child's resource usage in microseconds (scripts/cputime). The
# three take turns, RUNS runs each, for ROUNDS rounds, and each figure is the
# median of its rounds (lowest-highest after it). They run from copies, as
# a package installs them: the file the linker has just written (through a
# memory map) starts measurably slower than the same bytes copied, 1-2 ms a
# run here, and no user runs the linker's own file.
# devices reads the data folder, so it must be there (a missing one is an
# error, and an error is not the figure wanted).
mkdir -p "$work/cmd" "$work/inst"
install -m 0755 bin/earshotd bin/barebolt "$work/inst/"
"$work/inst/earshotd" devices --json --demo --data "$work/cmd" >/dev/null
mapfile -t short < <(./bin/cputime -runs "$runs" -rounds "$rounds" -- \
	"$work/inst/barebolt" --db "$work/bare/bare.db" :: \
	"$work/inst/earshotd" version --data "$work/cmd" :: \
	"$work/inst/earshotd" devices --json --demo --data "$work/cmd")
ratio() { awk -v a="${1%% *}" -v b="${short[0]%% *}" 'BEGIN { printf "%.2f", a / b }'; }
spread() { awk '{ printf "%s ms (%s-%s)", $1, $2, $3 }' <<<"$1"; }
echo "bare_open_cpu $(spread "${short[0]}")"
echo "version_cpu $(spread "${short[1]}") = $(ratio "${short[1]}") x bare"
echo "devices_demo_cpu $(spread "${short[2]}") = $(ratio "${short[2]}") x bare"
echo "short_commands ${rounds} rounds of ${runs} runs each, taken in turn"

# 3. A long history: calls --json straight from the database, then through
# the owner, whose RSS is read before and after.
go run ./scripts/bulkcalls --data "$work/long" --calls "$ncalls"
echo "history_calls $ncalls calls"
echo "history_db $(($(stat -c %s "$work/long/earshot.db") / 1024 / 1024)) MB"
t=$(/usr/bin/time -f "%e %M %U %S" ./bin/earshotd calls --json --data "$work/long" 2>&1 >/dev/null | tail -n 1)
read -r el peak us ss <<<"$t"
echo "calls_json_seconds $el s"
echo "calls_json_cpu $(awk -v u="$us" -v s="$ss" 'BEGIN { printf "%.2f", u + s }') s"
echo "calls_json_peak_rss $(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }') MB"
./bin/earshotd service --data "$work/long" &
owner=$!
pids+=("$owner")
wait_socket "$work/long"
sleep 3
before=$(rss_kb "$owner")
o0=$(cpu_ticks "$owner")
t=$(/usr/bin/time -f "%e %M %U %S" ./bin/earshotd calls --json --data "$work/long" 2>&1 >/dev/null | tail -n 1)
o1=$(cpu_ticks "$owner")
read -r el peak us ss <<<"$t"
echo "calls_json_via_owner_seconds $el s"
echo "calls_json_via_owner_cpu $(awk -v a="$o0" -v b="$o1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }') s in the owner, $(awk -v u="$us" -v s="$ss" 'BEGIN { printf "%.2f", u + s }') s in the command"
echo "calls_json_via_owner_client_peak_rss $(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }') MB"
echo "owner_peak_rss_since_start $(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$owner/status") MB (its start-up check reads the whole file)"
sleep 5
after=$(rss_kb "$owner")
echo "owner_rss_before_query $(awk -v k="$before" 'BEGIN { printf "%.1f", k / 1024 }') MB"
echo "owner_rss_after_query $(awk -v k="$after" 'BEGIN { printf "%.1f", k / 1024 }') MB"
kill "$owner"
wait "$owner" 2>/dev/null || true
pids=()

# 4. Durable enqueue from 8 writers (store.Write + Enqueue, fsynced) against
# bbolt's own db.Batch from 8 writers with MaxBatchSize 8 (its best case),
# the same value size, one fsync per commit each (store/groupcommit_test.go).
# The shared disk's fsync time swings by 2x between consecutive runs, so the
# two take turns, one benchmark run each, for GC_ROUNDS rounds; the figure
# is the median of the rounds' ratios, with the lowest and highest after it.
go test -c -o bin/store.test ./store/
bench() { # bench NAME: "events/s events/commit" of one run
	./bin/store.test -test.run '^$' -test.bench "$1\$" -test.benchtime "${gc_events}x" |
		awk -v n="$1" '$1 ~ n { for (i = 2; i < NF; i++) { if ($(i + 1) == "events/s") e = $i; if ($(i + 1) == "events/commit") c = $i } }
			END { print (e == "" ? 0 : e), (c == "" ? "-" : c) }'
}
ratios=()
perc=()
for _ in $(seq "$gc_rounds"); do
	read -r ge gc <<<"$(bench BenchmarkGroupCommit8)"
	read -r be _ <<<"$(bench BenchmarkBatchBaseline8)"
	ratios+=("$(awk -v a="$ge" -v b="$be" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')")
	perc+=("$gc")
done
echo "group_commit_ratio $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); printf "%.2f x db.Batch (%.2f-%.2f)", m, v[1], v[NR] }')"
echo "group_commit_events_per_commit $(printf '%s\n' "${perc[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%s-%s", v[1], v[NR] }')"
echo "group_commit ${gc_rounds} rounds of ${gc_events} events each, taken in turn"
echo "load_average_end $(cut -d' ' -f1-3 /proc/loadavg)"
