#!/usr/bin/env bash
# The import rules of docs/ARCHITECTURE.md, checked on the compiled import lists (go list),
# so a renamed import or a build tag cannot hide a breach.
set -euo pipefail
cd "$(dirname "$0")/.."
mod=$(go list -m)
fail=0
deps() { go list -tags ci -deps -f '{{.ImportPath}}' "$@"; }
direct() { go list -tags ci -f '{{.ImportPath}}: {{join .Imports " "}}' "$@"; }

# views never imports store or device.
if direct ./views/... | grep -E " $mod/(store|device)(/| |$)"; then
	echo "views imports store or device"; fail=1
fi
# device, store and app never pull in Fyne, not even indirectly.
for p in ./device/... ./store/... ./app/...; do
	if deps "$p" | grep -q '^fyne.io/fyne'; then
		echo "$p depends on Fyne"; fail=1
	fi
done
# Only cmd/ imports fyne.io/fyne/v2/app.
if direct ./... | grep -v "^$mod/cmd/" | grep -q ' fyne.io/fyne/v2/app\( \|$\)'; then
	direct ./... | grep -v "^$mod/cmd/" | grep ' fyne.io/fyne/v2/app\( \|$\)'
	echo "only cmd/ may import fyne.io/fyne/v2/app"; fail=1
fi
# One package owns github.com/karalabe/hid.
n=$(direct ./... | grep -c ' github.com/karalabe/hid\( \|$\)' || true)
if [ "$n" -gt 1 ]; then
	echo "karalabe/hid is imported by $n packages"; fail=1
fi
[ $fail -eq 0 ] && echo "import rules hold"
exit $fail
