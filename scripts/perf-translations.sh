#!/bin/bash
# CPU time that the translations package costs a command, measured in one run
# against a baseline revision (issue 13 point 2). Builds three tiny programs
# from the working tree and from BASE: one that only imports the package, one
# that renders one German message, and a bare Go program; runs each N times
# and prints the mean user+sys CPU per run. Then runs the package benchmarks.
#   bash scripts/perf-translations.sh [BASE] [N]
set -euo pipefail
base=${1:-ab7bf20} # the last commit that parsed every file at init
n=${2:-50}
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git -C "$root" worktree add --detach "$tmp/base" "$base" >/dev/null 2>&1

programs() { # $1 = tree, $2 = suffix
	mkdir -p "$1/.perf/importonly" "$1/.perf/translate" "$1/.perf/bare"
	printf 'package main\n\nimport _ "github.com/earshot-app/earshot/translations"\n\nfunc main() {}\n' >"$1/.perf/importonly/main.go"
	printf 'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/earshot-app/earshot/translations"\n)\n\nfunc main() { fmt.Println(translations.New("de").T("cli.usage.title")) }\n' >"$1/.perf/translate/main.go"
	printf 'package main\n\nfunc main() {}\n' >"$1/.perf/bare/main.go"
	for p in importonly translate bare; do
		(cd "$1" && go build -o "$tmp/$p-$2" "./.perf/$p")
	done
	rm -rf "$1/.perf"
}
programs "$tmp/base" base
programs "$root" new

for b in bare-new importonly-base importonly-new translate-base translate-new; do
	python3 - "$tmp/$b" "$n" <<'PY'
import os, resource, subprocess, sys
b, n = sys.argv[1], int(sys.argv[2])
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
for _ in range(n):
    subprocess.run([b], stdout=subprocess.DEVNULL, check=True)
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) / n * 1000
print(f"{os.path.basename(b):16s} {cpu:6.1f} ms CPU per run (mean of {n})")
PY
done
(cd "$root" && go test -run '^$' -bench . -benchmem -count 3 ./translations/ | grep -E '^Benchmark')
