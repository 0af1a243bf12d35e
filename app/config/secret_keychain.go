package config

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// keychain keeps the password in the user's macOS Keychain as a generic
// password (service app.earshot.password, account earshot-<hash of the data
// folder>) through /usr/bin/security. The secret never appears on a command
// line, where every process could read it: security runs in interactive mode
// (-i) and the command, with the password hex-encoded (-X), is written to its
// standard input; the password comes back on its standard output. The stored
// data is the hex text of the password, so `find-generic-password -w` prints
// printable text whatever the password holds.
//
// Every run is bounded by the context: a locked Keychain that would wait for
// a dialog is killed at the timeout, and the file store is used.
type keychain struct {
	tool    string // /usr/bin/security; a fake in tests
	home    string // the user's home; "" = no user Keychain (a daemon)
	account string
}

const keychainService = "app.earshot.password"

func newKeychain(tool, home, dataDir string) keychain {
	sum := sha256.Sum256([]byte(dataDir))
	return keychain{tool: tool, home: home, account: "earshot-" + hex.EncodeToString(sum[:8])}
}

func (k keychain) kind() string { return "Keychain" }

// maxKeychainOutput bounds what is read from security.
const maxKeychainOutput = 4 * maxSecretFile

// run runs one command in `security -i` and returns its output.
func (k keychain) run(ctx context.Context, command string) (stdout, stderr string, err error) {
	if k.home == "" {
		return "", "", fmt.Errorf("%w: no user Keychain without HOME", errUnavailable)
	}
	cmd := exec.CommandContext(ctx, k.tool, "-i")
	cmd.Env = append(os.Environ(), "HOME="+k.home) // the Keychain of the HOME Earshot was given
	cmd.Stdin = strings.NewReader(command + "\nquit\n")
	var out, errOut limitedBuffer
	out.max, errOut.max = maxKeychainOutput, maxKeychainOutput
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		return "", "", fmt.Errorf("%w: %s did not answer in time (a locked Keychain?)", errUnavailable, k.tool)
	}
	if err != nil {
		return "", "", fmt.Errorf("%w: %s: %v: %s", errUnavailable, k.tool, err, firstLine(errOut.String()))
	}
	return out.String(), errOut.String(), nil
}

// answer drops the interactive prompts from security's output.
func answer(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		for strings.HasPrefix(l, "security>") {
			l = strings.TrimSpace(strings.TrimPrefix(l, "security>"))
		}
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func notFound(stderr string) bool {
	return strings.Contains(stderr, "could not be found")
}

// probe reads Earshot's item: it works without a dialog only when the
// Keychain is unlocked.
func (k keychain) probe(ctx context.Context) error {
	_, _, err := k.load(ctx)
	return err
}

func (k keychain) load(ctx context.Context) (string, bool, error) {
	stdout, stderr, err := k.run(ctx, "find-generic-password -s "+keychainService+" -a "+k.account+" -w")
	if err != nil {
		return "", false, err
	}
	got := answer(stdout)
	if got == "" {
		if notFound(stderr) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("%w: %s", errUnavailable, firstLine(stderr))
	}
	plain, err := hex.DecodeString(got)
	if err != nil {
		return "", false, fmt.Errorf("the Keychain item %s is not Earshot's", k.account)
	}
	return string(plain), true, nil
}

func (k keychain) save(ctx context.Context, secret string) error {
	data := hex.EncodeToString([]byte(hex.EncodeToString([]byte(secret))))
	_, _, err := k.run(ctx, "add-generic-password -U -s "+keychainService+" -a "+k.account+" -l Earshot -X "+data)
	if err != nil {
		return err
	}
	// Read it back: security -i exits 0 whatever a command did.
	if got, ok, err := k.load(ctx); err != nil || !ok || got != secret {
		return fmt.Errorf("%w: the Keychain did not keep the password", errUnavailable)
	}
	return nil
}

func (k keychain) remove(ctx context.Context) error {
	_, stderr, err := k.run(ctx, "delete-generic-password -s "+keychainService+" -a "+k.account)
	if err != nil {
		return err
	}
	if s := strings.TrimSpace(stderr); s != "" && !notFound(s) {
		return fmt.Errorf("%w: %s", errUnavailable, firstLine(s))
	}
	return nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

var _ io.Writer = (*limitedBuffer)(nil)
