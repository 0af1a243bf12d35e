#!/usr/bin/env bash
# Crash and chaos: kill -9 while queueing and while delivering, a full disk,
# a truncated database and one with a damaged page (issue 9). Prints the
# figures docs/RELIABILITY.md records and exits non-zero when an event is
# lost (or lost without a count), garbled, or a command panics, or when a
# repair loses an event whose page was undamaged or brings a delivered one
# back.
#
#   scripts/chaos.sh            short form (scripts/test.sh): 20 kills, a 5 s full disk, a file cut in half
#   scripts/chaos.sh --long     long form, by hand: 20 kills of longer runs, a 30 s full disk,
#                               files cut to 90 %, 50 % and 10 % of the bytes in use
#   --damage-only               either form, only the truncated and damaged databases
#
# It builds earshotd (headless) and scripts/chaoskit into a temporary
# folder, starts its own processes and stops them by their PIDs; every wait
# is bounded. The full disk is a 2 MB tmpfs, which needs root (mount); without
# it that part is skipped with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_go

long=0 only_damage=0
for a in "$@"; do
	case $a in
	--long) long=1 ;;
	--damage-only) only_damage=1 ;; # only the truncated and damaged databases
	*) echo "usage: scripts/chaos.sh [--long] [--damage-only]"; exit 2 ;;
	esac
done
kills=20
if [ $long = 1 ]; then fullfor=30s; maxrun=3000; cuts="0.9 0.5 0.1"; else fullfor=5s; maxrun=1200; cuts="0.5"; fi

work=$(mktemp -d)
pids=()
mounted=""
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	if [ -n "$mounted" ]; then umount "$mounted" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "build"
go build -o "$work/earshotd" ./cmd/earshotd
go build -o "$work/chaoskit" ./scripts/chaoskit
kit="$work/chaoskit"

# start_sink LOG: a flaky loopback endpoint; sets sink_url and sink_pid.
start_sink() {
	"$kit" sink -log "$1" >"$work/sink.url" 2>>"$work/sink.err" &
	sink_pid=$!
	pids+=("$sink_pid")
	for _ in $(seq 100); do
		[ -s "$work/sink.url" ] && break
		sleep 0.05
	done
	sink_url=$(head -n1 "$work/sink.url")
	[ -n "$sink_url" ] || { echo "the sink did not start"; exit 1; }
}

# no_panic CODE OUTPUT: a command never exits 2 nor prints a Go trace here.
no_panic() {
	if [ "$1" = 2 ] || grep -q "goroutine [0-9]* \[" "$2"; then
		echo "a command panicked or exited 2:"; cat "$2"; exit 1
	fi
}

if [ $only_damage = 0 ]; then
step "kill -9 while queueing and delivering: $kills times"
data="$work/kill"
mkdir -p "$data"
start_sink "$work/kill.sink"
for i in $(seq "$kills"); do
	# At most 2 000 events a run, so that delivering what twenty runs left
	# takes a bounded time however fast the machine queues.
	"$kit" queue -db "$data/earshot.db" -url "$sink_url" -deliver -max 2000 >"$work/kill.queue.$i" 2>>"$work/kill.err" &
	q=$!
	pids+=("$q")
	sleep "0.$(( RANDOM % 9 + 1 ))$(( RANDOM % 10 ))"
	[ $long = 1 ] && sleep "$(( RANDOM % 3 ))"
	kill -9 "$q" 2>/dev/null || true
	wait "$q" 2>/dev/null || true
	code=0
	"$work/earshotd" db check --data "$data" >"$work/kill.check.$i" 2>&1 || code=$?
	no_panic "$code" "$work/kill.check.$i"
	if [ "$code" != 0 ]; then echo "after kill $i the database check failed:"; cat "$work/kill.check.$i"; exit 1; fi
done
# Twenty runs queue some 20 000 events, every fourth POST fails: on a busy
# machine delivering them all takes minutes, so the wait is generous.
timeout 330 "$kit" deliver -db "$data/earshot.db" -url "$sink_url" -timeout 300s >/dev/null
"$kit" verify -sink "$work/kill.sink" "$work"/kill.queue.* | tee "$work/kill.result"
kill "$sink_pid" 2>/dev/null || true

step "a full disk for $fullfor"
data="$work/full"
mkdir -p "$data"
if mount -t tmpfs -o size=2m tmpfs "$data" 2>/dev/null; then
	mounted="$data"
	# Leave the database about 400 KB: the disk fills within a second and
	# stays full for the whole run (deliveries only start after it).
	dd if=/dev/zero of="$data/filler" bs=64k count=26 status=none 2>/dev/null || true
	start_sink "$work/full.sink"
	code=0
	timeout 300 "$kit" queue -db "$data/earshot.db" -url "$sink_url" -for "$fullfor" >"$work/full.queue" 2>"$work/full.err" || code=$?
	if [ "$code" != 0 ]; then echo "the full-disk run failed:"; cat "$work/full.err"; exit 1; fi
	"$kit" verify -sink "$work/full.sink" "$work/full.queue" | tee "$work/full.result"
	code=0
	"$work/earshotd" db check --data "$data" >"$work/full.check" 2>&1 || code=$?
	no_panic "$code" "$work/full.check"
	kill "$sink_pid" 2>/dev/null || true
	umount "$data"
	mounted=""
else
	echo "skipped: cannot mount a tmpfs here (needs root); the store's full-disk tests still ran"
fi
fi # only_damage

# The truncated and damaged databases: fill's events, the first quarter then
# delivered (deleted) in batches, so freed pages hold stale copies of events
# that must not come back.
delivered=$(( maxrun / 4 ))
for keep in $cuts; do
	step "a database truncated to $keep of its size"
	data="$work/trunc-$keep"
	mkdir -p "$data"
	"$kit" fill -db "$data/earshot.db" -n "$maxrun" -deliver "$delivered" -out "$work/trunc.ids"
	"$kit" cut -db "$data/earshot.db" -expect "$work/trunc.ids" -keep "$keep" -out "$work/trunc.keep"
	for cmd in "outbox" "calls" "db check" "db repair" "db check"; do
		code=0
		# shellcheck disable=SC2086
		timeout 60 "$work/earshotd" $cmd --data "$data" >"$work/trunc.out" 2>&1 || code=$?
		no_panic "$code" "$work/trunc.out"
		printf '%-10s exit %s: %s\n' "$cmd" "$code" "$(head -c 300 "$work/trunc.out" | tr '\n' ' ')"
	done
	[ "$code" = 0 ] || { echo "the database is still damaged after the repair"; exit 1; }
	# Repair keeps every undamaged event: each event whose leaf page lay
	# wholly before the cut is there, intact, and no delivered one is back.
	"$kit" survivors -db "$data/earshot.db" -expect "$work/trunc.keep" -delivered "$delivered"
done

step "a damaged page"
data="$work/page"
mkdir -p "$data"
"$kit" fill -db "$data/earshot.db" -n "$maxrun" -deliver "$delivered" -out "$work/page.ids"
"$kit" damage -db "$data/earshot.db" -expect "$work/page.ids" -out "$work/page.keep"
code=0
timeout 60 "$work/earshotd" db check --data "$data" >"$work/page.out" 2>&1 || code=$?
no_panic "$code" "$work/page.out"
[ "$code" = 1 ] || { echo "db check missed the damaged page"; cat "$work/page.out"; exit 1; }
code=0
timeout 60 "$work/earshotd" db repair --data "$data" >"$work/page.out" 2>&1 || code=$?
no_panic "$code" "$work/page.out"
cat "$work/page.out"
"$kit" survivors -db "$data/earshot.db" -expect "$work/page.keep" -delivered "$delivered"

step "chaos: everything held"
