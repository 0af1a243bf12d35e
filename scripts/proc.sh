# Sourced by the measuring scripts: figures of a running process from /proc.

# rss_kb PID: resident set size now, in KiB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# cpu_ticks PID: user+system CPU time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# cpu_percent PID SECONDS: share of one core used over the next SECONDS.
cpu_percent() {
	local a b hz
	hz=$(getconf CLK_TCK)
	a=$(cpu_ticks "$1")
	sleep "$2"
	b=$(cpu_ticks "$1")
	awk -v a="$a" -v b="$b" -v hz="$hz" -v s="$2" 'BEGIN { printf "%.2f", (b - a) / hz / s * 100 }'
}
