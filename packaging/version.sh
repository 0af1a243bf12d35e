# Sourced by every build and packaging script: Earshot's one version comes from
# the VERSION file at the root; the commit and build date are stamped beside it.
#   EARSHOT_VERSION  the contents of VERSION (e.g. 0.1.0)
#   EARSHOT_COMMIT   the short git commit, "unknown" outside a clone
#   EARSHOT_DATE     the build date (UTC, RFC 3339), from SOURCE_DATE_EPOCH when set
#   EARSHOT_LDFLAGS  the -ldflags -X arguments that stamp all three into cli
_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EARSHOT_VERSION=$(tr -d ' \t\r\n' <"$_root/VERSION")
if ! printf '%s' "$EARSHOT_VERSION" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$'; then
	echo "VERSION must hold MAJOR.MINOR.PATCH, found '$EARSHOT_VERSION'" >&2
	exit 1
fi
EARSHOT_COMMIT=$(git -C "$_root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	EARSHOT_DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
else
	EARSHOT_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
fi
_cli=github.com/earshot-app/earshot/cmd/internal/cli
EARSHOT_LDFLAGS="-X $_cli.Version=$EARSHOT_VERSION -X $_cli.Commit=$EARSHOT_COMMIT -X $_cli.BuildDate=$EARSHOT_DATE"
export EARSHOT_VERSION EARSHOT_COMMIT EARSHOT_DATE EARSHOT_LDFLAGS
unset _root _cli
