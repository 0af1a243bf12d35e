package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"
)

// fakeSecurity is a stand-in for /usr/bin/security -i that speaks the three
// commands Earshot sends, keeps the items in $HOME/items, and logs its
// command lines to $HOME/argv, so the test can prove the secret is never on
// one. MODE (a file in $HOME) makes it hang or answer like a locked Keychain.
const fakeSecurity = `#!/bin/bash
echo "$0 $*" >>"$HOME/argv"
[ "$*" = "-i" ] || { echo "security: want only -i" >&2; exit 2; }
mode=$(cat "$HOME/mode" 2>/dev/null)
[ "$mode" = hang ] && exec sleep 600
while IFS= read -r line; do
	printf 'security> '
	set -- $line
	cmd=$1; shift
	s= a= x= w=
	while [ $# -gt 0 ]; do
		case $1 in -s) s=$2; shift ;; -a) a=$2; shift ;; -X) x=$2; shift ;; -l) shift ;; -w) w=1 ;; -U) ;; esac
		shift
	done
	if [ "$mode" = locked ] && [ "$cmd" != quit ]; then
		echo "security: SecKeychainItemCopyContent: User interaction is not allowed." >&2; continue
	fi
	case $cmd in
	add-generic-password) grep -v "^$s $a " "$HOME/items" >"$HOME/items.new" 2>/dev/null; echo "$s $a $x" >>"$HOME/items.new"; mv "$HOME/items.new" "$HOME/items" ;;
	find-generic-password)
		hex=$(grep "^$s $a " "$HOME/items" 2>/dev/null | cut -d' ' -f3)
		if [ -z "$hex" ]; then echo "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain." >&2; continue; fi
		printf '%b\n' "$(echo "$hex" | sed 's/../\\x&/g')" ;;
	delete-generic-password)
		grep -q "^$s $a " "$HOME/items" 2>/dev/null || { echo "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain." >&2; continue; }
		grep -v "^$s $a " "$HOME/items" >"$HOME/items.new"; mv "$HOME/items.new" "$HOME/items" ;;
	quit) exit 0 ;;
	esac
done
`

func fakeKeychain(t *testing.T, mode string) (tool, home string) {
	t.Helper()
	dir := t.TempDir()
	tool = filepath.Join(dir, "security")
	if err := os.WriteFile(tool, []byte(fakeSecurity), 0o755); err != nil {
		t.Fatal(err)
	}
	home = filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if mode != "" {
		if err := os.WriteFile(filepath.Join(home, "mode"), []byte(mode), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return tool, home
}

func TestKeychainProtocol(t *testing.T) {
	if _, err := os.Stat("/bin/bash"); err != nil {
		t.Skip("the fake security tool is a bash script")
	}
	const pw = `p@ss "word" with spaces\ and ünïcode`
	ctx := context.Background()
	tool, home := fakeKeychain(t, "")
	k := newKeychain(tool, home, "/data/one")
	if got, ok, err := k.load(ctx); ok || err != nil {
		t.Fatalf("empty: %q %v %v", got, ok, err)
	}
	if err := k.save(ctx, pw); err != nil {
		t.Fatal(err)
	}
	if err := newKeychain(tool, home, "/data/two").save(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := k.load(ctx); !ok || err != nil || got != pw {
		t.Fatalf("load = %q %v %v", got, ok, err)
	}
	if err := k.save(ctx, "changed"); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := k.load(ctx); got != "changed" {
		t.Errorf("after -U: %q", got)
	}
	if err := k.remove(ctx); err != nil {
		t.Fatal(err)
	}
	if err := k.remove(ctx); err != nil {
		t.Errorf("removing twice: %v", err)
	}
	if got, ok, err := k.load(ctx); ok || err != nil {
		t.Errorf("after remove: %q %v %v", got, ok, err)
	}
	if got, _, _ := newKeychain(tool, home, "/data/two").load(ctx); got != "other" {
		t.Errorf("the other data folder's item: %q", got)
	}
	argv, err := os.ReadFile(filepath.Join(home, "argv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{pw, "changed", "other", "7040"} { // 7040 = hex of "p@"
		if strings.Contains(string(argv), secret) {
			t.Errorf("a command line holds the secret %q:\n%s", secret, argv)
		}
	}
}

func TestKeychainUnavailable(t *testing.T) {
	if _, err := os.Stat("/bin/bash"); err != nil {
		t.Skip("the fake security tool is a bash script")
	}
	old := keyringTimeout
	keyringTimeout = 300 * time.Millisecond
	defer func() { keyringTimeout = old }()
	tests := []struct {
		name string
		mode string
		home bool
		tool string
	}{
		{name: "no HOME (a daemon)", home: false},
		{name: "a locked Keychain", mode: "locked", home: true},
		{name: "security waits for a dialog", mode: "hang", home: true},
		{name: "no security tool", home: true, tool: "/nonexistent/security"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, home := fakeKeychain(t, tt.mode)
			if !tt.home {
				home = ""
			}
			if tt.tool != "" {
				tool = tt.tool
			}
			dir := t.TempDir()
			s := newFallbackStore(newKeychain(tool, home, dir), newFileStore(afero.NewOsFs(), dir, dir))
			if err := s.Save("pw"); err != nil {
				t.Fatal(err)
			}
			if k := s.Kind(); k != "encrypted file" {
				t.Errorf("Kind %q", k)
			}
			if got, ok, err := s.Load(); got != "pw" || !ok || err != nil {
				t.Errorf("Load = %q %v %v", got, ok, err)
			}
		})
	}
}

// FuzzKeychainAnswer: whatever security prints, reading it gives a password
// or an error, never a panic.
func FuzzKeychainAnswer(f *testing.F) {
	for _, s := range []string{"security> 7077\nsecurity> ", "", "security> zz", "security> security> 41\n", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		got := answer(out)
		for _, l := range strings.Split(got, "\n") {
			if strings.HasPrefix(l, "security>") || l != strings.TrimSpace(l) {
				t.Errorf("prompt or blanks left in the line %q of %q", l, got)
			}
		}
		if strings.Contains(got, "\n\n") {
			t.Errorf("an empty line left in %q", got)
		}
	})
}
